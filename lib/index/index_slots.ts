/**
 * The A/B checkpoint slots of the chain index: choosing the slot to resume
 * from, writing the next one, and removing files no slot names.
 *
 * @module
 */

import type { ArchiveReader } from "../archive/archive_reader.ts";
import { ArchiveError } from "../archive/manifest.ts";
import { hashToHex } from "../bytes/hex.ts";
import { writeFileAtomic } from "../store/local_store.ts";
import {
  CHAIN_INDEX_PATHS as P,
  type IndexSlot,
  type SlotName,
  type SlotPointer,
} from "./chain_index_format.ts";

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as T;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) return null;
    throw e;
  }
}

function readSlot(dir: string, name: SlotName): IndexSlot | null {
  const s = readJson<IndexSlot>(`${dir}/${P.slot(name)}`);
  return s?.format === "blkpipe-chain-index" && s.version === 1 ? s : null;
}

/**
 * The slot to resume from: the pointer's, unless it covers blocks the
 * archive no longer holds (a kill after the index checkpoint but before
 * the archive's resume point) — then the other slot, and the pointer's is
 * deleted so it can never be chosen later. Null: start from scratch.
 */
export function loadSlot(
  dir: string,
  archiveHeight: number,
): { slot: IndexSlot; name: SlotName } | null {
  const pointer = readJson<SlotPointer>(`${dir}/${P.pointer}`);
  if (!pointer || (pointer.slot !== "a" && pointer.slot !== "b")) return null;
  const named = readSlot(dir, pointer.slot);
  if (named && named.height <= archiveHeight) return { slot: named, name: pointer.slot };
  const otherName: SlotName = pointer.slot === "a" ? "b" : "a";
  const other = readSlot(dir, otherName);
  // Absent when a kill landed between this removal and the pointer's rewrite in an earlier run.
  removeIfPresent(`${dir}/${P.slot(pointer.slot)}`);
  if (other && other.height <= archiveHeight) {
    writeFileAtomic(
      `${dir}/${P.pointer}`,
      JSON.stringify({ slot: otherName, height: other.height }) + "\n",
    );
    return { slot: other, name: otherName };
  }
  if (other) removeIfPresent(`${dir}/${P.slot(otherName)}`);
  removeIfPresent(`${dir}/${P.pointer}`);
  return null;
}

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** The slot the pointer names (for readers); NotFound with a hint when the index was never built. */
export function readCurrentSlot(dir: string): IndexSlot {
  const pointer = readJson<SlotPointer>(`${dir}/${P.pointer}`);
  const slot = pointer && readSlot(dir, pointer.slot);
  if (!slot) {
    throw new Deno.errors.NotFound(
      `${dir}: the archive has no index yet — run \`deno task index --archive ${dir}\``,
    );
  }
  return slot;
}

/** Writes `slot` as `name` (durable), then points at it. */
export function writeSlot(dir: string, name: SlotName, slot: IndexSlot): void {
  writeFileAtomic(`${dir}/${P.slot(name)}`, JSON.stringify(slot, null, 1) + "\n");
  const pointer: SlotPointer = { slot: name, height: slot.height };
  writeFileAtomic(`${dir}/${P.pointer}`, JSON.stringify(pointer) + "\n");
}

/** Removes index segments (and `.tmp` leftovers) that neither slot names. */
export function removeUnnamed(dir: string): void {
  const keep = new Set<string>();
  for (const name of ["a", "b"] as const) {
    const s = readSlot(dir, name);
    if (!s) continue;
    for (const n of s.txid) keep.add(P.txid(n));
    for (const n of s.spend) keep.add(P.spend(n));
    for (const f of s.utxo.segments) keep.add(`${P.utxoDir}/${f}`);
  }
  for (const sub of [P.dir, P.utxoDir]) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${dir}/${sub}`)];
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    for (const e of entries) {
      const rel = `${sub}/${e.name}`;
      const ours = e.name.endsWith(".seg") || e.name.endsWith(".seg.tmp") ||
        e.name === "txid.json"; // the round-2 preview's txid-only state
      if (e.isFile && ours && !keep.has(rel)) Deno.removeSync(`${dir}/${rel}`);
    }
  }
}

/**
 * Throws when the chain index in `indexDir` was built from another archive: the block the
 * index's slot ends at must be the archive's block at that height (an index kept apart from its
 * archive — an S3 archive's `--index-dir` — could be paired with the wrong one).
 */
export async function assertIndexOfArchive(
  slot: IndexSlot,
  archive: ArchiveReader,
  indexDir: string,
  archiveName: string,
): Promise<void> {
  if (slot.hash === "" || slot.height < archive.startHeight || slot.height > archive.tipHeight) {
    return;
  }
  const hash = hashToHex((await archive.record(slot.height)).hash);
  if (hash !== slot.hash) {
    throw new ArchiveError(
      `the chain index in ${indexDir} ends at block ${slot.hash} (height ${slot.height}), but ` +
        `${archiveName} has ${hash} there: it is another archive's index — give the right ` +
        "--index-dir, or an empty one to build it again",
    );
  }
}
