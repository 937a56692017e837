import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { newXxh64 } from "../../lib/hash/xxh64.ts";
import { compareBytes } from "../../lib/segment/compare.ts";
import { Segment } from "../../lib/segment/segment.ts";
import { SegmentWriter } from "../../lib/segment/segment_writer.ts";
import { sortInPlace } from "../../lib/segment/sort_in_place.ts";

// UTXO-shaped: 36-byte keys (txid, vout), sorted on 41 bytes (a key's events in a run), 49 wide.
const KW = 36, SW = 41, W = 49;

/**
 * Entries shaped like the UTXO set's: random txids with 1–3 outputs, some with hundreds (a run of
 * one txid spanning buckets), and some keys with 2–4 events (a run of one key).
 */
function utxoEntries(seed: number, txids: number): { slab: Uint8Array; n: number } {
  const rng = new Prng(seed), out: Uint8Array[] = [];
  for (let t = 0; t < txids; t++) {
    const txid = new Uint8Array(32);
    rng.fill(txid);
    const outputs = rng.chance(0.002) ? rng.int(100, 400) : rng.int(1, 3);
    for (let v = 0; v < outputs; v++) {
      const events = rng.chance(0.05) ? rng.int(2, 4) : 1;
      for (let e = 0; e < events; e++) {
        const entry = new Uint8Array(W);
        rng.fill(entry);
        entry.set(txid);
        new DataView(entry.buffer).setUint32(32, v, true);
        entry[40] = e; // distinct sort prefixes within a key's run
        out.push(entry);
      }
    }
  }
  const slab = new Uint8Array(out.length * W);
  out.forEach((e, i) => slab.set(e, i * W));
  sortInPlace(slab, out.length, W, SW);
  return { slab, n: out.length };
}

/** The run of entries with key `key[at..]` in the sorted slab, by binary search: [first, count]. */
function reference(slab: Uint8Array, n: number, key: Uint8Array, at: number): [number, number] {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(slab, mid * W, key, at, KW) < 0) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < n && compareBytes(slab, end * W, key, at, KW) === 0) end++;
  return [lo, end - lo];
}

Deno.test("lookups through the directory's prefix table, both bloom layouts, and without a filter: every present key's whole run (also runs across buckets), absent neighbours absent", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-runs-" });
  const xxh = await newXxh64();
  try {
    const { slab, n } = utxoEntries(3, 60_000);
    const segs: Record<string, Segment> = {};
    for (const layout of ["prefix", "classic"] as const) {
      const w = SegmentWriter.createWith(`${dir}/${layout}.seg`, {
        entryWidth: W,
        keyWidth: KW,
        sortWidth: SW,
        capacity: n,
        bloomLayout: layout,
      }, xxh);
      w.add(slab, 0, n);
      w.finish();
      segs[layout] = Segment.openWith(`${dir}/${layout}.seg`, xxh);
    }
    // As `get` opens it: no filter, so no prefix table either (the whole directory searched).
    segs.unfiltered = Segment.openWith(`${dir}/prefix.seg`, xxh, { bloom: false });
    assertEquals(segs.unfiltered.directoryBytes, segs.unfiltered.directory.length + 8);
    // Every key present, and for each a neighbour just above and just below (absent or not).
    const probe = new Uint8Array(KW);
    let checked = 0;
    const check = (key: Uint8Array, at: number) => {
      const [first, count] = reference(slab, n, key, at);
      for (const [layout, seg] of Object.entries(segs)) {
        for (const found of [seg.peek(key, at), seg.find(key, at)]) {
          if (count === 0) {
            assertEquals(found, null, `${layout}: an absent key is absent`);
            continue;
          }
          assertTrue(found !== null, `${layout}: entry ${first} found`);
          assertEquals(found!.count, count, `${layout}: the whole run of ${count}`);
          assertEquals(
            found!.bytes.subarray(found!.first * W, (found!.first + count) * W),
            slab.subarray(first * W, (first + count) * W),
          );
        }
      }
      checked++;
    };
    for (let i = 0; i < n; i++) {
      if (i > 0 && compareBytes(slab, i * W, slab, (i - 1) * W, KW) === 0) continue;
      check(slab, i * W);
      for (const delta of [1, -1]) {
        probe.set(slab.subarray(i * W, i * W + KW));
        probe[KW - 1] = (probe[KW - 1]! + delta) & 255;
        check(probe, 0);
      }
    }
    assertTrue(checked > 3 * 60_000, `${checked} keys`);
    // Runs of one txid span buckets: some buckets begin with the key of the one before.
    const s = segs.prefix!, dirKeys = s.directory;
    let spanning = 0;
    for (let b = 1; b < s.footer.bucketCount; b++) {
      if (compareBytes(dirKeys, (b - 1) * KW, dirKeys, b * KW, 32) === 0) spanning++;
    }
    assertTrue(spanning > 10, `${spanning} buckets inside one txid's run`);
    for (const s of Object.values(segs)) s.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
