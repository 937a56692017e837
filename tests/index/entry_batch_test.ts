import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { newXxh64 } from "../../lib/hash/xxh64.ts";
import { EntryBatch, mergeSegments } from "../../lib/index/entry_batch.ts";
import { compareBytes } from "../../lib/segment/compare.ts";
import { Segment } from "../../lib/segment/segment.ts";
import { SegmentWriter } from "../../lib/segment/segment_writer.ts";
import { sortInPlace } from "../../lib/segment/sort_in_place.ts";

const LAYOUT = { entryWidth: 15, keyWidth: 9, sortWidth: 15 } as const; // the spend index's

function randomEntries(rng: Prng, n: number): Uint8Array {
  const slab = new Uint8Array(n * LAYOUT.entryWidth);
  rng.fill(slab);
  return slab;
}

Deno.test("an index written before the blocked filters extends: a classic segment and a batch's prefix one merge into a prefix segment holding every entry, in order", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-batch-" });
  const xxh = await newXxh64(), rng = new Prng(21), W = LAYOUT.entryWidth;
  try {
    // As an earlier version wrote it: sorted, classic bloom filter.
    const old = randomEntries(rng, 30_000);
    sortInPlace(old, 30_000, W, W);
    const w = SegmentWriter.createWith(`${dir}/old.seg`, {
      ...LAYOUT,
      capacity: 30_000,
      bloomLayout: "classic",
    }, xxh);
    w.add(old, 0, 30_000);
    w.finish();
    // As this version writes a checkpoint's batch: appended in chain order, sorted in place.
    const batch = new EntryBatch(LAYOUT), fresh = randomEntries(rng, 20_000);
    const at = batch.reserve(20_000); // (may grow the slab: read it after)
    batch.slab.set(fresh, at);
    batch.count = 20_000;
    batch.writeSegment(`${dir}/new.seg`, xxh);
    mergeSegments([`${dir}/old.seg`, `${dir}/new.seg`], LAYOUT, `${dir}/merged.seg`, xxh);

    const layouts = [];
    for (const name of ["old", "new", "merged"]) {
      const s = Segment.openWith(`${dir}/${name}.seg`, xxh);
      layouts.push(s.bloom!.layout);
      s.close();
    }
    assertEquals(layouts, ["classic", "prefix", "prefix"]);
    const merged = Segment.openWith(`${dir}/merged.seg`, xxh);
    assertEquals(merged.count, 50_000);
    let prev: Uint8Array | null = null, scanned = 0;
    for (const { bytes, count } of merged.scan()) {
      for (let i = 0; i < count; i++, scanned++) {
        const e = bytes.slice(i * W, (i + 1) * W);
        if (prev) assertTrue(compareBytes(prev, 0, e, 0, W) < 0, `entry ${scanned} in order`);
        prev = e;
      }
    }
    assertEquals(scanned, 50_000);
    for (const [slab, n] of [[old, 30_000], [fresh, 20_000]] as const) {
      for (let i = 0; i < n; i += 97) {
        assertTrue(
          merged.bloom!.mayContain(slab, i * W, LAYOUT.keyWidth),
          `key ${i} in the filter`,
        );
        const f = merged.find(slab, i * W);
        assertTrue(f !== null, `key ${i} found`);
      }
    }
    merged.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
