import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { compareBytes } from "../../lib/segment/compare.ts";
import { sortInPlace } from "../../lib/segment/sort_in_place.ts";
import { shapedEntries } from "../_support/shaped_entries.ts";

for (
  const [width, sortWidth] of [[15, 15], [12, 12], [49, 41], [36, 36], [8, 5], [40, 3]] as const
) {
  Deno.test(`sortInPlace sorts like a comparator sort and carries companions (width ${width}, sort ${sortWidth})`, () => {
    const rng = new Prng(width * 100 + sortWidth);
    for (let round = 0; round < 4; round++) {
      const count = rng.int(1, 40_000);
      const slab = shapedEntries(rng, count, width, sortWidth);
      // Companions: the original position (4 bytes) and a tag byte derived from the entry.
      const pos = new Uint32Array(count).map((_, i) => i);
      const tag = new Uint8Array(count).map((_, i) =>
        slab[i * width]! ^ slab[(i + 1) * width - 1]!
      );
      const before = slab.slice();
      const expected = Array.from({ length: count }, (_, i) => i).sort((x, y) =>
        compareBytes(before, x * width, before, y * width, sortWidth)
      );
      sortInPlace(slab, count, width, sortWidth, [
        { bytes: new Uint8Array(pos.buffer), width: 4 },
        { bytes: tag, width: 1 },
      ]);
      for (let i = 0; i < count; i++) {
        const from = pos[i]!;
        // The entry at i is the one that started at pos[i], whole, with its own tag.
        assertEquals(compareBytes(slab, i * width, before, from * width, width), 0);
        assertEquals(tag[i], before[from * width]! ^ before[(from + 1) * width - 1]!);
        // Same sort key as the comparator sort's i-th (equal keys may come in another order).
        const e = expected[i]!;
        assertEquals(compareBytes(slab, i * width, before, e * width, sortWidth), 0);
      }
      const seen = new Set(pos);
      assertTrue(seen.size === count, "a permutation");
    }
  });
}

Deno.test("sortInPlace: empty, one entry, sortWidth 0, and bad arguments", () => {
  sortInPlace(new Uint8Array(0), 0, 4, 4);
  const one = Uint8Array.of(9, 8, 7);
  sortInPlace(one, 1, 3, 3);
  assertEquals([...one], [9, 8, 7]);
  const two = Uint8Array.of(2, 1);
  sortInPlace(two, 2, 1, 0); // nothing to sort by: left as is
  assertEquals([...two], [2, 1]);
  let threw = 0;
  for (const f of [() => sortInPlace(two, 3, 1, 1), () => sortInPlace(two, 1, 1, 2)]) {
    try {
      f();
    } catch (e) {
      if (e instanceof RangeError) threw++;
    }
  }
  assertEquals(threw, 2);
});

Deno.test("sortInPlace: whole-word entries move a word at a time, and the same sort comes out of an unaligned view (bytes)", () => {
  const rng = new Prng(77), count = 5000, width = 12;
  const aligned = shapedEntries(rng, count, width, 12);
  const backing = new Uint8Array(count * width + 1);
  const unaligned = backing.subarray(1); // byteOffset 1: no word view possible
  unaligned.set(aligned);
  sortInPlace(aligned, count, width, 12);
  sortInPlace(unaligned, count, width, 12);
  for (let i = 1; i < count; i++) {
    assertTrue(
      compareBytes(aligned, (i - 1) * width, aligned, i * width, 12) <= 0,
      `order at ${i}`,
    );
  }
  // Equal keys may differ in order between the two, but not their sort keys.
  for (let i = 0; i < count; i++) {
    assertEquals(compareBytes(aligned, i * width, unaligned, i * width, 12), 0, `entry ${i}`);
  }
  assertEquals(backing[0], 0, "the byte before the view is left alone");
});
