import { assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { COMPACT_ABOVE, tieredMerge } from "../../lib/segment/tiered_merge.ts";

for (const flushes of [0, 1, 2, 6, 14]) {
  Deno.test(`tiered compaction over 1,000 checkpoints of ${flushes} full flushes and a partial one: few segments, each entry rewritten O(log n) times`, () => {
    const rng = new Prng(flushes + 1);
    let sizes: number[] = [];
    let written = 0, rewritten = 0, most = 0;
    for (let c = 0; c < 1000; c++) {
      for (let f = 0; f < flushes; f++) sizes.push(1000);
      sizes.push(rng.int(1, 999)); // the checkpoint's own flush: what came since the last one
      written += 1000 * flushes + sizes.at(-1)!;
      const k = tieredMerge(sizes);
      if (k > 0) {
        const merged = sizes.slice(-k).reduce((a, b) => a + b, 0);
        rewritten += merged;
        sizes = [...sizes.slice(0, -k), merged];
      }
      most = Math.max(most, sizes.length);
    }
    // The rule of the first round (the 4 newest, all only when they held half) fails both: it
    // kept thousands of segments at 6 flushes and rewrote entries 42–163 times at 0–2.
    assertTrue(most <= COMPACT_ABOVE, `${most} segments after a merge`);
    assertTrue(rewritten / written < 10, `each entry rewritten ${rewritten / written} times`);
  });
}
