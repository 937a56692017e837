/**
 * The size-tiered compaction policy shared by the UTXO store and the chain
 * index's txid and spend segments.
 *
 * @module
 */

/** Segments of one kind a store keeps before it merges some. */
export const COMPACT_ABOVE = 8;

/**
 * How many of the newest segments (sizes oldest first) to merge: none up to
 * {@link COMPACT_ABOVE}; above, the 4 newest — or all of them when those 4
 * hold half the total (the bottom merge) — so an entry is rewritten O(log n)
 * times rather than at every compaction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tieredMerge } from "./tiered_merge.ts";
 * assert.equal(tieredMerge([9, 9, 9, 9, 9, 9, 9, 9]), 0);
 * assert.equal(tieredMerge([900, 400, 100, 50, 20, 5, 5, 5, 5]), 4);
 * assert.equal(tieredMerge([1, 1, 1, 1, 1, 5, 5, 5, 5]), 9);
 * ```
 */
export function tieredMerge(sizes: number[]): number {
  if (sizes.length <= COMPACT_ABOVE) return 0;
  const newest = sizes.slice(-4).reduce((a, b) => a + b, 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  return 2 * newest >= total ? sizes.length : 4;
}
