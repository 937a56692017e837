/**
 * The UTXO cache's entries as records: their layout, their states, and
 * their net effect read out in key order as UTXO segment entries.
 *
 * @module
 */

import type { SortedSource } from "../segment/memory_run.ts";
import { sortInPlace } from "../segment/sort_in_place.ts";
import { encodeUtxoEntry, OP_ADD, OP_DELETE, UTXO_ENTRY_WIDTH } from "../segment/utxo_entry.ts";

/**
 * Entry states: created and spent since the last flush (DEAD: kept in the table, never written);
 * created since the last flush; a store output spent since; created over another.
 */
export const DEAD = 0, LIVE = 1, TOMBSTONE = 2, OVERWRITE = 3;

/**
 * Flag (the word's sign bit) of a clean entry: an output the store already holds, kept in memory
 * after the flush that wrote it so that lookups of young outputs stay in memory. Lookups read it
 * as LIVE; it is never written again, and changing it (a spend, an overwrite) makes it an entry
 * to write, as the same change to a store output would be.
 */
export const CLEAN: number = 1 << 31;

/**
 * Bytes of an entry's record: key (36), height and state (a 32-bit word at 36: height · 4 +
 * state, so heights below 2^29), value id (float64 at 40) — one cache line or two adjacent ones,
 * so that a lookup's key, state, height and value come in together.
 */
export const REC = 48;

/** Index of entry `e`'s height-and-state word in a 32-bit view of the records. */
export function wordAt(e: number): number {
  return (REC / 4) * e + 9;
}

/** Creation height from an entry's word (with or without {@link CLEAN}). */
export function heightOf(word: number): number {
  return (word & 0x7fffffff) >> 2;
}

/** Index of entry `e`'s value id in a float64 view of the records. */
export function valueAt(e: number): number {
  return (REC / 8) * e + 5;
}

/**
 * A key's 32-bit hash from its txid at `k[at..]` (SHA-256d output: four bytes of it are as good as
 * any) mixed with the vout's low 16 bits.
 */
export function hashOf(k: Uint8Array, at: number, low16: number): number {
  const h = (k[at]! | (k[at + 1]! << 8) | (k[at + 2]! << 16) | (k[at + 3]! << 24)) ^
    Math.imul(low16, 0x9e3779b1);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) | 0;
}

/** Slots of the hash table for `capacity` entries: a power of two, at least twice as many. */
export function tableSize(capacity: number): number {
  let size = 16;
  while (size < 2 * capacity) size *= 2;
  return size;
}

/**
 * Sorts the first `n` records (`recs`; the same memory as 32-bit `words` and float64 `values`)
 * by key where they lie, and returns their net effect as a source of UTXO segment entries — adds
 * for outputs still unspent, deletes for store outputs spent, nothing for those created and spent
 * in between — and how many entries it yields.
 */
export function sortedRecords(
  recs: Uint8Array,
  words: Int32Array,
  values: Float64Array,
  n: number,
): { source: SortedSource; live: number } {
  const W = UTXO_ENTRY_WIDTH, CHUNK = 8192;
  sortInPlace(recs, n, REC, 36);
  let live = 0;
  for (let e = 0; e < n; e++) if ((words[wordAt(e)]! & 3) !== DEAD) live++;
  const chunk = new Uint8Array(W * CHUNK);
  let e = 0;
  const source: SortedSource = {
    next: () => {
      let k = 0;
      for (; e < n && k < CHUNK; e++) {
        const word = words[wordAt(e)]!, st = word & 3;
        if (st === DEAD) continue; // created and spent since the last flush
        const del = st === TOMBSTONE;
        encodeUtxoEntry(
          chunk,
          W * k++,
          recs,
          REC * e,
          word >> 2,
          del ? OP_DELETE : OP_ADD,
          del ? 0 : values[valueAt(e)]!,
        );
      }
      return k === 0 ? null : { bytes: chunk.subarray(0, W * k), count: k };
    },
  };
  return { source, live };
}

/** Copies record `from` over record `to` (a word at a time: faster than `copyWithin` per record). */
export function moveRecord(words: Int32Array, from: number, to: number): void {
  const W = REC / 4, f = W * from, t = W * to;
  for (let i = 0; i < W; i++) words[t + i] = words[f + i]!;
}

/**
 * Moves the records of the youngest outputs among the first `n` (state LIVE: created since the
 * last flush and unspent) to the front, at most `limit` of them and whole heights only, and
 * returns how many. Heights more than 65,535 below the youngest are not kept.
 */
export function keepYoungest(words: Int32Array, n: number, limit: number): number {
  let top = -1;
  for (let e = 0; e < n; e++) {
    const w = words[wordAt(e)]!;
    if ((w & 3) === LIVE && w >> 2 > top) top = w >> 2;
  }
  if (top < 0 || limit <= 0) return 0;
  const SPAN = 1 << 16, counts = new Int32Array(SPAN);
  for (let e = 0; e < n; e++) {
    const w = words[wordAt(e)]!;
    if ((w & 3) === LIVE && top - (w >> 2) < SPAN) counts[top - (w >> 2)]!++;
  }
  let d = 0, sum = 0;
  while (d < SPAN && sum + counts[d]! <= limit) sum += counts[d++]!;
  const lowest = top - d + 1;
  let kept = 0;
  for (let e = 0; e < n; e++) {
    const w = words[wordAt(e)]!;
    if ((w & 3) !== LIVE || w >> 2 < lowest) continue;
    if (kept !== e) moveRecord(words, e, kept);
    kept++;
  }
  return kept;
}

/** Moves the records of the first `n` not flagged {@link CLEAN} to the front; returns how many. */
export function dropFlagged(words: Int32Array, n: number): number {
  let d = 0;
  for (let e = 0; e < n; e++) {
    if (words[wordAt(e)]! < 0) continue;
    if (d !== e) moveRecord(words, e, d);
    d++;
  }
  return d;
}
