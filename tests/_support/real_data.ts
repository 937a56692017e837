/**
 * Access to the real block corpus in ../shared/data/real (see its
 * MANIFEST.md). Tests that need it use {@link realTest}: when the corpus is
 * missing they are ignored with a visible message, unless
 * BLKPIPE_REQUIRE_REAL_DATA=1 (CI), where they fail.
 *
 * @module
 */

import { fromHex } from "../../lib/bytes/hex.ts";
import { pathExists } from "../../lib/store/local_store.ts";

/** Absolute path of the corpus directory. */
export const REAL_DIR = new URL("../../../shared/data/real/", import.meta.url).pathname;

/** One line of index.jsonl. */
export interface RealEntry {
  file: string;
  loc: string;
  net: string;
  height: number;
  hash: string;
  prev: string;
  version: number;
  time: number;
  bits: string;
  pow_ok: boolean;
  merkle_ok?: boolean;
  witness_commitment_ok?: boolean;
  ntx?: number;
  size?: number;
  weight?: number;
  n_segwit_tx?: number;
}

/** A full block from the corpus with its index entry. */
export interface RealBlock {
  entry: RealEntry;
  /** The bare serialized block. */
  bytes: Uint8Array;
}

/** True when the corpus is present. */
export const REAL_DATA_AVAILABLE = pathExists(REAL_DIR + "index.jsonl");
const REQUIRED = Deno.env.get("BLKPIPE_REQUIRE_REAL_DATA") === "1";

if (!REAL_DATA_AVAILABLE && !REQUIRED) {
  console.warn(`SKIPPING real-data tests: ${REAL_DIR} not found`);
}

/** Registers a test that needs the corpus (ignored visibly when absent, failing under CI). */
export function realTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name: `[real data] ${name}`,
    ignore: !REAL_DATA_AVAILABLE && !REQUIRED,
    fn: () => {
      if (!REAL_DATA_AVAILABLE) {
        throw new Error(`BLKPIPE_REQUIRE_REAL_DATA=1 but ${REAL_DIR} is missing`);
      }
      return fn();
    },
  });
}

/** All index entries. */
export function realEntries(): RealEntry[] {
  return Deno.readTextFileSync(REAL_DIR + "index.jsonl").trim().split("\n").map((l) =>
    JSON.parse(l) as RealEntry
  );
}

const cache = new Map<string, Uint8Array>();
function file(path: string): Uint8Array {
  let b = cache.get(path);
  if (!b) {
    b = Deno.readFileSync(REAL_DIR + path);
    cache.set(path, b);
  }
  return b;
}

function text(path: string): string {
  return new TextDecoder().decode(file(path));
}

function blkRecordAt(bytes: Uint8Array, offset: number): Uint8Array {
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset + 4, true);
  return bytes.subarray(offset + 8, offset + 8 + len);
}

function reorgDumpBlock(path: string, loc: string): Uint8Array {
  // Annotated dump: "File path: X" then "Block N:" sections of hex words.
  const m = /^(.*) Block (\w+)$/.exec(loc)!;
  const fileSections = text(path).split("File path:").slice(1);
  const section = fileSections.find((s) => s.trim().startsWith(m[1]!))!;
  const body = section.split(`Block ${m[2]}:`)[1]!.split(/Block \w+:/)[0]!;
  const hex = body.replace(/[^0-9a-fA-F]/g, "");
  const record = fromHex(hex);
  return blkRecordAt(record, 0);
}

/** The bare block bytes for a full-block entry. */
export function realBlockBytes(e: RealEntry): Uint8Array {
  const loc = e.loc;
  let m: RegExpExecArray | null;
  if ((m = /^offset (\d+)$/.exec(loc))) return blkRecordAt(file(e.file), Number(m[1]));
  if (loc === "whole file") return file(e.file);
  if (loc === "whole file (hex)") return fromHex(text(e.file).replace(/\s+/g, ""));
  if ((m = /^line (\d+)$/.exec(loc))) {
    return fromHex(text(e.file).split("\n")[Number(m[1]) - 1]!.trim());
  }
  if ((m = /^row (\d+) /.exec(loc))) {
    const rows = JSON.parse(text(e.file)) as string[][];
    return fromHex(rows[Number(m[1])]![2]!);
  }
  if ((m = /^blocks\[(\d+)\]$/.exec(loc))) {
    return fromHex((JSON.parse(text(e.file)) as { blocks: string[] }).blocks[Number(m[1])]!);
  }
  if ((m = /^\[(\d+)\]\[(\d+)\]$/.exec(loc))) {
    return fromHex((JSON.parse(text(e.file)) as string[][])[Number(m[1])]![Number(m[2])]!);
  }
  if ((m = /^\[(\d+)\]$/.exec(loc))) {
    return fromHex((JSON.parse(text(e.file)) as { block: string }[])[Number(m[1])]!.block);
  }
  if (/ Block \w+$/.test(loc)) return reorgDumpBlock(e.file, loc);
  throw new Error(`Unknown corpus location form: ${e.file} ${loc}`);
}

/** Every full block record of the corpus (header-only entries excluded). */
export function realBlocks(): RealBlock[] {
  return realEntries().filter((e) => e.ntx !== undefined).map((entry) => ({
    entry,
    bytes: realBlockBytes(entry),
  }));
}

/** The corpus' distinct mainnet blocks (each hash once), in height order. */
export function realMainnetBlocks(): RealBlock[] {
  const seen = new Set<string>();
  return realBlocks().filter((b) => {
    if (b.entry.net !== "mainnet" || seen.has(b.entry.hash)) return false;
    seen.add(b.entry.hash);
    return true;
  }).sort((a, b) => a.entry.height - b.entry.height);
}

/** Raw bytes of a corpus file. */
export function realFile(path: string): Uint8Array {
  return file(path);
}
