import { assertEquals, assertRejects, assertThrows, assertTrue } from "../_support/assert.ts";
import { ChecksumMismatchError, CorruptDataError } from "../../lib/bytes/errors.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { newXxh64 } from "../../lib/hash/xxh64.ts";
import { Segment } from "../../lib/segment/segment.ts";
import { SegmentWriter } from "../../lib/segment/segment_writer.ts";
import { sortEntries } from "../../lib/segment/memory_run.ts";
import {
  BLOOM_FLAGS,
  bloomLayoutOf,
  SEGMENT_FOOTER_FIXED,
  SEGMENT_HEADER_SIZE,
  SEGMENT_TRAILER_SIZE,
} from "../../lib/segment/segment_format.ts";

const KW = 32, W = 40;

/** n random 40-byte entries (32-byte key, 8-byte value = index), sorted. */
function entries(n: number, seed: number): Uint8Array {
  const rng = new Prng(seed);
  const slab = new Uint8Array(n * W);
  for (let i = 0; i < n; i++) {
    rng.fill(slab.subarray(i * W, i * W + KW));
    new DataView(slab.buffer).setFloat64(i * W + KW, i, true);
  }
  return sortEntries(slab, n, W, KW);
}

async function write(path: string, slab: Uint8Array, n: number): Promise<void> {
  const w = await SegmentWriter.create(path, {
    keyWidth: KW,
    sortWidth: KW,
    entryWidth: W,
    capacity: n,
  });
  w.add(slab, 0, n);
  w.finish();
}

const dir = Deno.makeTempDirSync({ prefix: "blkpipe-seg-" });
const N = 200_000;
const slab = entries(N, 1);
const path = `${dir}/a.seg`;
await write(path, slab, N);

/** Every 7th key of the slab is found once, with its entry's bytes. */
function assertFindsEvery7th(seg: Segment): void {
  for (let i = 0; i < N; i += 7) {
    const f = seg.find(slab, i * W);
    assertTrue(f !== null && f.count === 1, `key ${i}`);
    assertEquals(
      f!.bytes.subarray(f!.first * W, f!.first * W + W),
      slab.subarray(i * W, i * W + W),
    );
  }
}

Deno.test("every present key is found; opening reads only header, footer and trailer", async () => {
  const seg = await Segment.open(path);
  const footerBytes = seg.fileSize - SEGMENT_HEADER_SIZE - N * W - SEGMENT_TRAILER_SIZE;
  assertEquals(seg.openedBytes, SEGMENT_HEADER_SIZE + footerBytes + SEGMENT_TRAILER_SIZE);
  assertTrue(seg.openedBytes < seg.fileSize / 10);
  assertFindsEvery7th(seg);
  // Batch lookups: every key, in random order, grouped by bucket.
  const rng = new Prng(3);
  const idx = Array.from({ length: 5000 }, () => rng.int(0, N - 1));
  const keys = new Uint8Array(idx.length * KW);
  idx.forEach((k, i) => keys.set(slab.subarray(k * W, k * W + KW), i * KW));
  let found = 0;
  seg.findBatch(keys, idx.length, (i, e) => {
    found++;
    assertEquals(
      e.bytes.subarray(e.first * W, e.first * W + KW),
      keys.subarray(i * KW, i * KW + KW),
    );
  });
  assertEquals(found, idx.length);
  seg.close();
});

for (const layout of ["classic", "blocked", "prefix"] as const) {
  Deno.test(`a segment with a ${layout} bloom filter: flags name it, every key found, absent keys rarely pass`, async () => {
    const p = `${dir}/${layout}.seg`;
    const w = await SegmentWriter.create(p, {
      keyWidth: KW,
      sortWidth: KW,
      entryWidth: W,
      capacity: N,
      flags: BLOOM_FLAGS, // a caller's bloom flags are ignored: the layout sets them
      bloomLayout: layout,
    });
    w.add(slab, 0, N);
    w.finish();
    const seg = await Segment.open(p);
    assertEquals(seg.bloom!.layout, layout);
    assertEquals(bloomLayoutOf(seg.header.flags), layout);
    assertEquals(seg.header.flags & ~BLOOM_FLAGS, 0);
    assertEquals(seg.footer.bloomBits % (layout === "classic" ? 64 : 512), 0);
    assertFindsEvery7th(seg);
    const rng = new Prng(11), key = new Uint8Array(KW);
    let passed = 0;
    for (let i = 0; i < 50_000; i++) {
      rng.fill(key);
      if (seg.bloom!.mayContain(key, 0, KW)) passed++;
    }
    assertTrue(passed < 50_000 * 0.01, `${passed} of 50,000 absent keys passed the filter`);
    seg.close();
  });
}

Deno.test("peek answers as find does, reading into one reused buffer; resident bytes are the bloom, the directory and its prefix table", async () => {
  const seg = await Segment.open(path);
  const rng = new Prng(5);
  const buffers = new Set<ArrayBufferLike>();
  for (let j = 0; j < 3000; j++) {
    const i = rng.int(0, N - 1);
    const p = seg.peek(slab, i * W)!;
    const f = seg.find(slab, i * W)!;
    assertEquals(p.count, 1);
    assertEquals(p.bytes.subarray(p.first * W, p.first * W + W), slab.subarray(i * W, i * W + W));
    assertEquals(p.bytes, f.bytes);
    buffers.add(p.bytes.buffer);
  }
  assertTrue(buffers.size <= 2, `${buffers.size} buffers for 3,000 reads (grown, never renewed)`);
  const absent = new Uint8Array(KW).fill(0xfe);
  assertEquals(seg.peek(absent, 0), null);
  assertEquals(seg.residentBytes, seg.bloom!.bits.length + seg.directoryBytes);
  const buckets = seg.footer.bucketCount;
  assertTrue(seg.directoryBytes - seg.directory.length <= buckets / 2 + 8, "≤ 0.5 B per bucket");
  assertTrue(seg.residentBytes > N, "≈1.5 bytes per entry of bloom filter");
  seg.close();
  // Closing frees the filter and directory at once; a lookup afterwards is an error, not a miss.
  assertEquals(seg.residentBytes, 0);
  assertThrows(() => seg.peek(slab, 0), /used after close/);
  assertThrows(() => seg.find(slab, 0), /used after close/);
});

Deno.test("dropBloom frees the filter (same answers, absent keys read a bucket); loadBloom reads it back, verified", async () => {
  const seg = await Segment.open(path);
  const bits = seg.bloom!.bits.slice();
  const resident = seg.residentBytes;
  seg.dropBloom();
  assertEquals(seg.bloom, null);
  assertEquals(seg.residentBytes, resident - seg.bloomBytes);
  assertFindsEvery7th(seg);
  assertEquals(seg.peek(new Uint8Array(KW).fill(0xfe), 0), null);
  const xxh = await newXxh64();
  seg.loadBloom(xxh);
  assertEquals(seg.bloom!.bits, bits);
  assertEquals(seg.residentBytes, resident);
  seg.dropBloom();
  // The file changed under the open segment: the filter read back fails its checksum.
  const copy = Deno.makeTempFileSync({ suffix: ".seg" });
  Deno.copyFileSync(path, copy);
  const other = await Segment.open(copy);
  other.dropBloom();
  const bytes = Deno.readFileSync(copy);
  bytes[SEGMENT_HEADER_SIZE + N * W + SEGMENT_FOOTER_FIXED + 5]! ^= 0x10; // inside the filter
  Deno.writeFileSync(copy, bytes);
  assertThrows(() => other.loadBloom(xxh), /checksum/i);
  other.close();
  assertThrows(() => other.dropBloom(), /used after close/);
  seg.close();
});

Deno.test("bloom false-positive rate over 1,000,000 absent keys is within 2× of theory", async () => {
  const seg = await Segment.open(path);
  const rng = new Prng(99);
  const key = new Uint8Array(KW);
  let fp = 0;
  const trials = 1_000_000;
  for (let i = 0; i < trials; i++) {
    rng.fill(key);
    if (seg.bloom!.mayContain(key, 0, KW)) fp++;
  }
  const theory = seg.bloom!.expectedFpr(N);
  const rate = fp / trials;
  console.log(
    `bloom: ${seg.bloom!.m / N} bits/entry, ${seg.bloom!.k} probes: FPR ${
      (rate * 100).toFixed(3)
    }% (theory ${(theory * 100).toFixed(3)}%)`,
  );
  assertTrue(rate <= 2 * theory && rate >= theory / 2, `FPR ${rate} vs ${theory}`);
  seg.close();
});

Deno.test("misordered or duplicate input is an error", async () => {
  const w = await SegmentWriter.create(`${dir}/bad.seg`, {
    keyWidth: KW,
    sortWidth: KW,
    entryWidth: W,
    capacity: 2,
  });
  w.add(slab, W, 1);
  assertThrows(() => w.add(slab, 0, 1), /ascending order/);
  assertThrows(() => w.add(slab, W, 1), /ascending order/);
  w.abandon();
  assertEquals([...Deno.readDirSync(dir)].some((e) => e.name.startsWith("bad.seg")), false);
});

async function damaged(edit: (b: Uint8Array) => Uint8Array): Promise<unknown> {
  const p = `${dir}/damaged.seg`;
  Deno.writeFileSync(p, edit(Deno.readFileSync(path)));
  return await assertRejects(() => Segment.open(p));
}

Deno.test("corrupt footer, truncation, wrong magic or version, checksum mismatch: typed errors naming the file", async () => {
  const size = Deno.statSync(path).size;
  const cases: Array<[string, (b: Uint8Array) => Uint8Array, string]> = [
    ["flipped bloom byte", (b) => (b[N * W + SEGMENT_HEADER_SIZE + 100]! ^= 1, b), "checksum"],
    ["flipped directory byte", (b) => (b[size - SEGMENT_TRAILER_SIZE - 5]! ^= 1, b), "checksum"],
    ["truncated", (b) => b.subarray(0, size - 1000), "bad-trailer"],
    ["wrong magic", (b) => (b[0] = 0x58, b), "bad-magic"],
    ["wrong version", (b) => (b[8] = 9, b), "bad-version"],
    ["header count changed", (b) => (b[24]! ^= 1, b), "checksum"],
    ["trailer offset changed", (b) => (b[size - SEGMENT_TRAILER_SIZE]! ^= 1, b), "bad-trailer"],
  ];
  for (const [what, edit, code] of cases) {
    const e = await damaged(edit);
    if (code === "checksum") assertTrue(e instanceof ChecksumMismatchError, `${what}: ${e}`);
    else {
      assertTrue(e instanceof CorruptDataError, `${what}: ${e}`);
      assertEquals((e as CorruptDataError).code, code, what);
    }
    assertTrue(
      String((e as Error).message).includes("damaged.seg"),
      `${what}: ${(e as Error).message}`,
    );
  }
});

Deno.test("opened without its bloom filter: only the directory is read, the same answers, damage still caught", async () => {
  const full = await Segment.open(path);
  const lean = await Segment.open(path, { bloom: false });
  const dirLen = full.footer.bucketCount * KW;
  assertEquals(lean.bloom, null);
  assertEquals(
    lean.openedBytes,
    SEGMENT_HEADER_SIZE + SEGMENT_TRAILER_SIZE + SEGMENT_FOOTER_FIXED + dirLen,
  );
  assertTrue(lean.openedBytes < full.openedBytes, `${lean.openedBytes} vs ${full.openedBytes}`);
  assertFindsEvery7th(lean);
  const rng = new Prng(5);
  const key = new Uint8Array(KW);
  for (let i = 0; i < 10_000; i++) {
    rng.fill(key);
    assertEquals(lean.find(key, 0), null);
    assertEquals(full.find(key, 0), null);
  }
  const keys = new Uint8Array(50 * KW);
  for (let i = 0; i < 50; i++) keys.set(slab.subarray(3 * i * W, 3 * i * W + KW), i * KW);
  let batch = 0;
  lean.findBatch(keys, 50, (i, e) => {
    batch++;
    assertEquals(
      e.bytes.subarray(e.first * W, e.first * W + KW),
      keys.subarray(i * KW, i * KW + KW),
    );
  });
  assertEquals(batch, 50);
  full.close();
  lean.close();

  const size = Deno.statSync(path).size;
  const dirAt = size - SEGMENT_TRAILER_SIZE - dirLen;
  const cases: Array<[string, (b: Uint8Array) => Uint8Array, string]> = [
    ["directory out of order", (b) => (b[dirAt + KW] = 0xff, b), "bad-footer"],
    ["truncated", (b) => b.subarray(0, size - 1000), "bad-trailer"],
    ["wrong magic", (b) => (b[0] = 0x58, b), "bad-magic"],
    ["footer sizes", (b) => (b[N * W + SEGMENT_HEADER_SIZE + 12]! ^= 1, b), "bad-footer"],
  ];
  for (const [what, edit, code] of cases) {
    const p = `${dir}/damaged-lean.seg`;
    Deno.writeFileSync(p, edit(Deno.readFileSync(path)));
    const e = await assertRejects(() => Segment.open(p, { bloom: false }));
    assertTrue(e instanceof CorruptDataError, `${what}: ${e}`);
    assertEquals((e as CorruptDataError).code, code, what);
    assertTrue(String((e as Error).message).includes("damaged-lean.seg"), `${what}: ${e}`);
  }
});
