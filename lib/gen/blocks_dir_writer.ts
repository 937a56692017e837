/**
 * Writes generated blocks as a Bitcoin Core `blocks/` directory:
 * `blkNNNNN.dat` files of `[magic][len][block]` records up to a size limit,
 * optionally out of order within a window (headers-first download), XOR
 * obfuscated (`xor.dat`), and damaged the ways real files are: zero padding
 * (preallocation), garbage between records, torn records, a truncated tail.
 *
 * @module
 */

import { hashToHex } from "../bytes/hex.ts";
import { NETWORKS } from "../bitcoin/network.ts";
import { blkFileName } from "../source/blk_files.ts";
import { applyXor } from "../source/xor.ts";
import type { GenBlock } from "./chain_generator.ts";
import { Prng } from "./prng.ts";
import { encodeRecord, recordSize } from "../bitcoin/blk_record.ts";

/** Damage to inject. */
export interface DamageOptions {
  /** Pad every file with raw zeros to a multiple of this many bytes. */
  padTo?: number;
  /** Probability, between two records, of inserting random garbage (16–4,096 bytes). */
  garbageRate?: number;
  /** Probability, between two records, of inserting a torn record (header + half a block). */
  tornRate?: number;
  /** End the last file with a truncated record (a node still writing). */
  truncateTail?: boolean;
}

/** Writer options. */
export interface BlocksDirOptions {
  /** Maximum blk file size (default 128 MiB, Bitcoin Core's MAX_BLOCKFILE_SIZE). */
  maxFileSize?: number;
  /** Shuffle records within windows of this many (default 1: in order). Genesis stays first. */
  shuffleWindow?: number;
  /** Obfuscate with this 8-byte key and write xor.dat. */
  xorKey?: Uint8Array;
  /** Damage to inject. */
  damage?: DamageOptions;
  /** Seed for shuffling and damage. */
  seed?: number;
}

/** What was written. */
export interface BlocksDirSummary {
  /** Number of blk files. */
  files: number;
  /** Total bytes written. */
  bytes: number;
  /** Main-chain hashes in height order (display hex), genesis first. */
  mainHashes: string[];
  /** Stale block hashes. */
  stale: string[];
  /** Orphan block hashes. */
  orphans: string[];
}

const MAGIC = NETWORKS.regtest.magic;

/** Writes `blocks` into `dir` (created if missing). */
export function writeBlocksDir(
  dir: string,
  blocks: Iterable<GenBlock>,
  options: BlocksDirOptions = {},
): BlocksDirSummary {
  Deno.mkdirSync(dir, { recursive: true });
  const maxFile = options.maxFileSize ?? 128 << 20;
  const window = Math.max(1, options.shuffleWindow ?? 1);
  const damage = options.damage ?? {};
  const rng = new Prng((options.seed ?? 0) ^ 0x5eed);
  const key = options.xorKey;
  if (key) Deno.writeFileSync(`${dir}/xor.dat`, key);
  const summary: BlocksDirSummary = { files: 0, bytes: 0, mainHashes: [], stale: [], orphans: [] };
  let fileNo = -1;
  let file: Deno.FsFile | undefined;
  let size = 0;
  let last: Uint8Array | undefined;

  const write = (bytes: Uint8Array, raw = false) => {
    if (!raw && key) applyXor(bytes, key, size);
    let done = 0;
    while (done < bytes.length) done += file!.writeSync(bytes.subarray(done));
    size += bytes.length;
    summary.bytes += bytes.length;
  };
  const closeFile = () => {
    if (!file) return;
    if (damage.padTo && size % damage.padTo !== 0) {
      write(new Uint8Array(damage.padTo - (size % damage.padTo)), true);
    }
    file.close();
    file = undefined;
  };
  const openFile = () => {
    closeFile();
    fileNo++;
    file = Deno.openSync(`${dir}/${blkFileName(fileNo)}`, {
      write: true,
      create: true,
      truncate: true,
    });
    size = 0;
    summary.files++;
  };
  const record = (block: Uint8Array) => encodeRecord(MAGIC, block);
  const put = (block: Uint8Array) => {
    const extra = 2 * 4096 + recordSize(block.length); // room for damage before it
    if (!file || (size > 0 && size + extra > maxFile)) openFile();
    if (size > 0 && damage.garbageRate && rng.chance(damage.garbageRate)) {
      const junk = rng.fill(new Uint8Array(rng.int(16, 4096)));
      if (junk[0] === 0) junk[0] = 1;
      write(junk);
    }
    if (size > 0 && last && damage.tornRate && rng.chance(damage.tornRate)) {
      const torn = record(last);
      write(torn.slice(0, recordSize(last.length >> 1)));
    }
    write(record(block));
    last = block;
  };

  let pending: Uint8Array[] = [];
  const flush = () => {
    for (const b of rng.shuffle(pending)) put(b);
    pending = [];
  };
  for (const b of blocks) {
    const hex = hashToHex(b.hash);
    if (b.kind === "main") summary.mainHashes.push(hex);
    else if (b.kind === "stale") summary.stale.push(hex);
    else summary.orphans.push(hex);
    if (b.height === 0 && b.kind === "main") {
      put(b.bytes); // Bitcoin Core writes genesis first
      continue;
    }
    pending.push(b.bytes);
    if (pending.length >= window) flush();
  }
  flush();
  if (!file) openFile();
  if (damage.truncateTail && last) {
    const rec = record(last);
    write(rec.slice(0, recordSize(last.length >> 1)));
  }
  closeFile();
  return summary;
}
