import { assertEquals } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { compareBytes } from "../../lib/segment/compare.ts";
import { sortOrder } from "../../lib/segment/memory_run.ts";
import { shapedEntries } from "../_support/shaped_entries.ts";

/** Stable comparator sort of the entries' indices: the definition sortOrder must meet. */
function referenceOrder(slab: Uint8Array, count: number, width: number, sortWidth: number) {
  return Array.from({ length: count }, (_, i) => i).sort((x, y) =>
    compareBytes(slab, x * width, slab, y * width, sortWidth) || x - y
  );
}

for (const [width, sortWidth] of [[36, 36], [44, 36], [20, 13], [8, 5], [40, 3]] as const) {
  Deno.test(`sortOrder equals a stable comparator sort (width ${width}, sort ${sortWidth})`, () => {
    const rng = new Prng(width * 100 + sortWidth);
    for (let round = 0; round < 4; round++) {
      const count = rng.int(1, 40_000);
      const slab = shapedEntries(rng, count, width, sortWidth);
      assertEquals(
        Array.from(sortOrder(slab, count, width, sortWidth)),
        referenceOrder(slab, count, width, sortWidth),
      );
    }
  });
}
