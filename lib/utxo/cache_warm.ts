/**
 * The UTXO cache's warm-up reads: loads of the table slots and records a
 * block's lookups and changes will touch, done in one pass of independent
 * loads so that the processor overlaps their cache misses instead of taking
 * them one lookup at a time. They change nothing; each returns a value only
 * so that its reads are not optimised away.
 *
 * @module
 */

import { hashOf, REC, wordAt } from "./cache_records.ts";

/** The cache's table as the warm-up reads it. */
export interface CacheTable {
  /** Per slot: entry + 1 (0: empty), the key's 32-bit hash. */
  readonly slots: Int32Array;
  /** The records (bytes, and the same memory as 32-bit words). */
  readonly recs: Uint8Array;
  readonly words: Int32Array;
  /** Slots − 1. */
  readonly mask: number;
  /** Entries in use. */
  readonly used: number;
}

/** One key's first slot and entry (`low16`: the vout's low 16 bits), as the table hashes it. */
function touch(t: CacheTable, k: Uint8Array, at: number, low16: number): number {
  const v = t.slots[2 * (hashOf(k, at, low16) & t.mask)]!;
  if (v === 0) return 0;
  return t.recs[REC * (v - 1)]! ^ t.words[wordAt(v - 1)]!;
}

/**
 * Reads, for each of a block's outpoints, the table slot its lookup will probe first and the entry
 * that slot names. `prevouts`: offsets in `bytes` of `n` serialized outpoints (txid ‖ vout LE);
 * `txids`: `m` txids whose outputs will be looked up or added, transaction t having
 * `firstOutput[t+1] − firstOutput[t]` of them (a block layout's `txFirstOutput`).
 */
export function warmBlock(
  t: CacheTable,
  bytes: Uint8Array,
  prevouts: Uint32Array,
  n: number,
  txids: Uint8Array,
  firstOutput: Uint32Array,
  m: number,
): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const p = prevouts[i]!;
    sink ^= touch(t, bytes, p, bytes[p + 32]! | (bytes[p + 33]! << 8));
  }
  for (let x = 0; x < m; x++) {
    const k = firstOutput[x + 1]! - firstOutput[x]!;
    for (let o = 0; o < k; o++) sink ^= touch(t, txids, 32 * x, o & 0xffff);
  }
  return sink;
}

/**
 * Reads what an apply's hints point at — each spent entry's record, each free slot — before the
 * apply's own loads (the lookups that found them ran a whole block earlier, and the lines have
 * left the near caches since). `n` spends, `m` new outputs.
 */
export function touchHinted(
  t: CacheTable,
  hints: { deletes: Int32Array; adds: Int32Array },
  n: number,
  m: number,
): number {
  const recs = t.recs, slots = t.slots, used = t.used;
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const e = hints.deletes[2 * i]!, free = hints.deletes[2 * i + 1]!;
    if (e >= 0 && e < used) sink ^= recs[REC * e + 35]!;
    else if (free >= 0) sink ^= slots[2 * free]!;
  }
  for (let i = 0; i < m; i++) {
    const free = hints.adds[i]!;
    if (free >= 0) sink ^= slots[2 * free]!;
  }
  return sink;
}
