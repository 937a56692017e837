import { assertEquals, assertThrows, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { newXxh64 } from "../../lib/hash/xxh64.ts";
import { EntryBatch } from "../../lib/index/entry_batch.ts";
import { SegmentWriteThread } from "../../lib/index/segment_write_thread.ts";

const LAYOUT = { entryWidth: 15, keyWidth: 9, sortWidth: 15 } as const; // the spend index's

/** `n` random entries (distinct: 15 random bytes each). */
function randomEntries(seed: number, n: number): Uint8Array {
  const slab = new Uint8Array(n * LAYOUT.entryWidth);
  new Prng(seed).fill(slab);
  return slab;
}

function filled(slab: Uint8Array): EntryBatch {
  const batch = new EntryBatch(LAYOUT);
  const n = slab.length / LAYOUT.entryWidth;
  const at = batch.reserve(n); // (may grow the slab: read it after)
  batch.slab.set(slab, at);
  batch.count = n;
  return batch;
}

Deno.test("the segment writer thread writes a handed-over batch byte for byte as the calling thread does, and the slab comes back", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-write-thread-" });
  const thread = await SegmentWriteThread.start();
  assertTrue(thread !== null, "this test runs with read access to lib/");
  try {
    const xxh = await newXxh64();
    const entries = randomEntries(8, 200_000);
    filled(entries).writeSegment(`${dir}/here.seg`, xxh);
    const batch = filled(entries);
    const lent = batch.slab.length;
    const pending = thread!.begin(batch, `${dir}/there.seg`);
    assertEquals([batch.count, batch.slab.length < lent], [0, true], "handed over");
    // Entries appended meanwhile are kept when the slab comes back.
    batch.slab.set(entries.subarray(0, 30), batch.reserve(2));
    batch.count = 2;
    pending.wait();
    assertEquals(Deno.readFileSync(`${dir}/there.seg`), Deno.readFileSync(`${dir}/here.seg`));
    for (let i = 0; i < 50 && batch.slab.length < lent; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(batch.slab.length, lent, "the slab came back");
    assertEquals([batch.count, batch.slab.subarray(0, 30)], [2, entries.subarray(0, 30)]);
  } finally {
    thread!.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a write that fails on the segment writer thread throws at wait, naming the file", async () => {
  const thread = await SegmentWriteThread.start();
  assertTrue(thread !== null);
  try {
    const batch = filled(randomEntries(9, 1000));
    const path = `/nonexistent-blkpipe-dir/${crypto.randomUUID()}/spend.seg`;
    const pending = thread!.begin(batch, path);
    const e = assertThrows(() => pending.wait());
    assertTrue(e instanceof Error && e.message.includes(path), String(e));
    // The thread goes on: the next write succeeds.
    const dir = Deno.makeTempDirSync();
    thread!.begin(filled(randomEntries(10, 3)), `${dir}/ok.seg`).wait();
    assertTrue(Deno.statSync(`${dir}/ok.seg`).size > 0);
    Deno.removeSync(dir, { recursive: true });
  } finally {
    thread!.close();
  }
});
