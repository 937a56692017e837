/**
 * Which of a store's segment bloom filters stay in memory: the policy
 * behind `UtxoStore.fitResident`, as a function of sizes alone (so that a
 * resumed run keeps exactly the filters an uninterrupted one kept).
 *
 * @module
 */

/** What the policy needs to know of a segment: the bytes of its directory and of its filter. */
export interface ResidentSizes {
  /** Bytes of the bucket directory (always in memory). */
  readonly directoryBytes: number;
  /** Bytes of the bloom filter (in memory unless dropped). */
  readonly bloomBytes: number;
}

/**
 * How many of the oldest `segments` (oldest first) drop their bloom filters so that the resident
 * bytes (`memoryBytes` plus every directory and kept filter) stay within `budget` where the
 * filters allow: as few as needed, oldest first — asked last, they only save reads of absent
 * keys. The oldest segment's filter also goes while everything with it would exceed
 * `oldestBudget`: asked last of all, it saves nothing for a key the store holds (that key is read
 * from it either way).
 *
 * @example
 * ```ts
 * import { filtersToDrop } from "./resident_filters.ts";
 * const segs = [{ directoryBytes: 1, bloomBytes: 50 }, { directoryBytes: 1, bloomBytes: 20 }];
 * if (filtersToDrop(segs, 10, 1000, Infinity) !== 0) throw new Error("all fit");
 * if (filtersToDrop(segs, 10, 40, Infinity) !== 1) throw new Error("the oldest goes first");
 * if (filtersToDrop(segs, 10, 1000, 60) !== 1) throw new Error("the oldest's own budget");
 * if (filtersToDrop(segs, 10, 0, Infinity) !== 2) throw new Error("every filter");
 * ```
 */
export function filtersToDrop(
  segments: readonly ResidentSizes[],
  memoryBytes: number,
  budget: number,
  oldestBudget: number,
): number {
  let total = memoryBytes;
  for (const s of segments) total += s.directoryBytes + s.bloomBytes;
  let p = 0;
  if (segments.length > 0 && total > oldestBudget) total -= segments[p++]!.bloomBytes;
  while (p < segments.length && total > budget) total -= segments[p++]!.bloomBytes;
  return p;
}
