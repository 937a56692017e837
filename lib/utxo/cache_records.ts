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
 * Bytes of an entry's record: key (36), height and state (a 32-bit word at 36: height · 4 +
 * state, so heights below 2^29), value id (float64 at 40) — one cache line or two adjacent ones,
 * so that a lookup's key, state, height and value come in together.
 */
export const REC = 48;

/** Index of entry `e`'s height-and-state word in a 32-bit view of the records. */
export function wordAt(e: number): number {
  return (REC / 4) * e + 9;
}

/** Index of entry `e`'s value id in a float64 view of the records. */
export function valueAt(e: number): number {
  return (REC / 8) * e + 5;
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
