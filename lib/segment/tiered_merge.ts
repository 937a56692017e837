/**
 * The size-tiered compaction policy shared by the UTXO store and the chain
 * index's txid and spend segments.
 *
 * @module
 */

/** Segments of one kind a store keeps before it merges some. */
export const COMPACT_ABOVE = 8;

/** A segment is left alone while it holds this many times what all newer ones hold together. */
export const TIER_RATIO = 3;

/**
 * How many of the newest segments (sizes oldest first) to merge: none up to
 * {@link COMPACT_ABOVE}; above, the 4 newest and further back to the first older
 * segment that holds at least {@link TIER_RATIO} times what they hold together
 * (all of them is the bottom merge). The segments then stay in geometric tiers:
 * their number stays bounded however many flushes a checkpoint brings, and an
 * entry is rewritten O(log n) times (simulated over 1,000 checkpoints of 0–14
 * full flushes and a partial one each: at most 8 segments after a merge, each
 * entry rewritten 5.9–8.6 times). The rule before — the 4 newest, all only when
 * those held half the set — gained segments at every checkpoint of more than 4
 * flushes, without bound, and rewrote each entry 42–163 times at 0–2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tieredMerge } from "./tiered_merge.ts";
 * assert.equal(tieredMerge([9, 9, 9, 9, 9, 9, 9, 9]), 0);
 * assert.equal(tieredMerge([5000, 1000, 5, 5, 5, 5, 5, 5, 5]), 7);
 * assert.equal(tieredMerge([9000, 3000, 900, 300, 200, 10, 10, 10, 10]), 4);
 * assert.equal(tieredMerge([1, 1, 1, 1, 1, 5, 5, 5, 5]), 9);
 * ```
 */
export function tieredMerge(sizes: number[]): number {
  const n = sizes.length;
  if (n <= COMPACT_ABOVE) return 0;
  let k = 4, newer = sizes[n - 1]! + sizes[n - 2]! + sizes[n - 3]! + sizes[n - 4]!;
  while (k < n && sizes[n - k - 1]! < TIER_RATIO * newer) newer += sizes[n - ++k]!;
  return k;
}
