/**
 * Fixed-width entries for sort tests.
 *
 * @module
 */

import type { Prng } from "../../lib/gen/prng.ts";

/**
 * Entries shaped like the index's: groups that share long prefixes (a txid's outputs), groups of
 * every size around the insertion-sort limit and up to thousands, duplicates, random tails.
 */
export function shapedEntries(
  rng: Prng,
  count: number,
  width: number,
  sortWidth: number,
): Uint8Array {
  const slab = new Uint8Array(count * width);
  for (let i = 0; i < count;) {
    const size = Math.min(count - i, rng.chance(0.1) ? rng.int(2, 3000) : rng.int(1, 20));
    const shared = rng.int(0, sortWidth); // bytes the group has in common
    const base = new Uint8Array(sortWidth);
    rng.fill(base);
    for (let k = 0; k < size; k++, i++) {
      const e = slab.subarray(i * width, (i + 1) * width);
      rng.fill(e);
      e.set(base.subarray(0, shared));
      // Few distinct values after the shared part, so that sub-runs tie on 4 bytes too.
      for (let b = shared; b < sortWidth; b++) if (rng.chance(0.7)) e[b] = rng.int(0, 2);
      if (rng.chance(0.02) && i > 0) e.set(slab.subarray((i - 1) * width, i * width)); // duplicate
    }
  }
  return slab;
}
