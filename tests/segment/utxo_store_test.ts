import { assertEquals, assertThrows, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { UtxoStore } from "../../lib/segment/utxo_store.ts";

/** The reference: every event per key, resolved the documented way. */
class Model {
  readonly events = new Map<string, Array<{ h: number; op: 0 | 1; id: number }>>();
  apply(h: number, adds: Array<[string, number]>, dels: string[]): void {
    for (const [k, id] of adds) this.list(k).push({ h, op: 0, id });
    for (const k of dels) this.list(k).push({ h, op: 1, id: 0 });
  }
  private list(k: string) {
    let l = this.events.get(k);
    if (!l) this.events.set(k, l = []);
    return l;
  }
  get(k: string, before: number, since: number): number {
    const l = [...(this.events.get(k) ?? [])].sort((a, b) => b.h - a.h || a.op - b.op);
    for (let i = 0; i < l.length; i++) {
      const e = l[i]!;
      if (e.h < since || e.h >= before) continue;
      if (e.op === 0) {
        if (l[i + 1]?.op === 1 && l[i + 1]!.h === e.h) {
          i++;
          continue;
        }
        return e.id;
      }
      return -1;
    }
    return -1;
  }
}

function keyBytes(keys: string[]): Uint8Array {
  const out = new Uint8Array(36 * keys.length);
  keys.forEach((k, i) =>
    out.set(Uint8Array.from(k.match(/../g)!.map((h) => parseInt(h, 16))), 36 * i)
  );
  return out;
}

function randomKey(rng: Prng): string {
  // Few distinct txids so that keys share long prefixes (and 3-byte sort prefixes tie).
  const tx = rng.int(0, 40);
  return tx.toString(16).padStart(2, "0").repeat(32) + rng.int(0, 7).toString(16).padStart(8, "0");
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  Deno.test(`UTXO store equals a Map model under random puts, deletes, flushes, compactions (full and newest-tier), reopens (seed ${seed})`, async () => {
    const rng = new Prng(seed);
    const dir = Deno.makeTempDirSync({ prefix: "blkpipe-utxo-" });
    // Odd seeds also spill on memory pressure (a tiny budget of ~40 entries).
    const options = { ages: 2, fanIn: 3, ...(seed % 2 ? { maxMemoryBytes: 49 * 40 } : {}) };
    let store = await UtxoStore.open(dir, options);
    const model = new Model();
    const unspent = new Set<string>();
    let nextId = 1;
    let fence = 0, withoutBloom = 0;
    const H = 300;
    const check = (h: number) => {
      const keys = [...model.events.keys()];
      for (let q = 0; q < 60; q++) {
        const k = keys[rng.int(0, keys.length - 1)] ?? randomKey(rng);
        const before = rng.chance(0.3) ? Number.POSITIVE_INFINITY : rng.int(fence, h + 1);
        const since = rng.chance(0.5) ? 0 : rng.int(0, h);
        assertEquals(
          store.get(keyBytes([k]), 0, before, since),
          model.get(k, before, since),
          `${k} [${since}, ${before}) at ${h}`,
        );
      }
      // Batch lookups agree with point lookups.
      const batch = Array.from(
        { length: 40 },
        () => keys[rng.int(0, keys.length - 1)] ?? randomKey(rng),
      );
      const out = new Float64Array(batch.length);
      store.getBatch(keyBytes(batch), batch.length, out, h + 1);
      batch.forEach((k, i) => assertEquals(out[i], model.get(k, h + 1, 0), `batch ${k}`));
    };
    for (let h = 1; h <= H; h++) {
      const adds: Array<[string, number]> = [];
      const dels: string[] = [];
      const created = new Set<string>();
      for (let i = rng.int(0, 6); i > 0; i--) {
        const k = randomKey(rng);
        if (unspent.has(k) || created.has(k)) continue;
        created.add(k);
        adds.push([k, nextId++]);
      }
      for (const k of [...unspent]) if (rng.chance(0.15)) dels.push(k);
      for (const [k] of adds) if (rng.chance(0.1)) dels.push(k); // created and spent in the same block
      if (rng.chance(0.05)) dels.push(randomKey(rng)); // spends something older than the store
      const delSet = new Set(dels);
      if (delSet.size !== dels.length) continue;
      model.apply(h, adds, dels);
      store.apply(
        h,
        keyBytes(adds.map(([k]) => k)),
        adds.map(([, id]) => id),
        keyBytes(dels),
      );
      for (const [k] of adds) unspent.add(k);
      for (const k of dels) unspent.delete(k);
      const r = rng.float();
      if (r < 0.05) store.flush();
      else if (r < 0.08) {
        store.flush();
        fence = rng.int(fence, h);
        store.compact(fence);
      } else if (r < 0.095 && store.stats().segments > 1) {
        // A tier merge of the newest segments: only the current state stays exact.
        store.flush();
        store.compactNewest(rng.int(1, store.stats().segments), h + 1);
        fence = h + 1;
      } else if (r < 0.1) {
        store.flush();
        store.close();
        store = await UtxoStore.open(dir, options);
      }
      // Seeds 5–8 also drop the oldest segments' bloom filters (and load them back) now and then:
      // lookups, batches and the tier merge's guard then ask those segments exactly.
      if (seed > 4 && rng.chance(0.1)) {
        store.fitResident(rng.chance(0.3) ? Infinity : rng.int(0, store.residentBytes()));
        withoutBloom += store.stats().withoutBloom;
      }
      if (h % 10 === 0) check(h);
    }
    check(H);
    assertTrue(store.stats().segments > 0, "the test exercised disk segments");
    if (seed > 4) assertTrue(withoutBloom > 0, "the test looked up segments without filters");
    store.close();
  });
}

Deno.test("fitResident drops the oldest segments' bloom filters, as few as the budget needs, and loads them back; answers are unchanged", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-utxo-fit-" });
  const store = await UtxoStore.open(dir);
  const keys: string[] = [];
  for (let s = 0; s < 4; s++) {
    const adds: string[] = [];
    for (let i = 0; i < 500 * (4 - s); i++) {
      adds.push((s * 4096 + i).toString(16).padStart(8, "0").repeat(8) + "00000000");
    }
    store.apply(s + 1, keyBytes(adds), adds.map((_, i) => 2 * i + 2));
    store.flush();
    keys.push(...adds);
  }
  const absent = "ff".repeat(36);
  const answers = () => [...keys, absent].map((k) => store.get(keyBytes([k]), 0));
  const before = answers();
  const full = store.residentBytes();
  // A budget just under everything: only the oldest (largest) segment's filter goes.
  store.fitResident(full - 1);
  assertEquals(store.stats().withoutBloom, 1);
  const oldest = (store as unknown as { segments: Array<{ bloomBytes: number }> }).segments[0]!;
  assertEquals(store.residentBytes(), full - oldest.bloomBytes);
  assertEquals(answers(), before);
  // The oldest segment's own budget: its filter goes once everything would exceed it, whatever
  // `budget` allows; the others stay.
  store.fitResident(Infinity, full - 1);
  assertEquals(store.stats().withoutBloom, 1);
  assertEquals(store.residentBytes(), full - oldest.bloomBytes);
  assertEquals(answers(), before);
  store.fitResident(Infinity, full);
  assertEquals(store.stats().withoutBloom, 0, "within its budget the oldest's filter is back");
  store.fitResident(full - oldest.bloomBytes - 1, full - 1); // and the next one's as `budget` needs
  assertEquals(store.stats().withoutBloom, 2);
  assertEquals(answers(), before);
  // No budget: every filter goes; answers still the same (each segment read instead).
  store.fitResident(0);
  assertEquals(store.stats().withoutBloom, 4);
  assertEquals(answers(), before);
  // Room again: the filters are read back from the files.
  store.fitResident(Infinity);
  assertEquals(store.stats().withoutBloom, 0);
  assertEquals(store.residentBytes(), full);
  assertEquals(answers(), before);
  assertEquals(answers().at(-1), -1);
  // A merge drops the merged segments' filters while it writes; a failed write brings them back.
  const writable = store as unknown as { writeSegment: () => never };
  const write = writable.writeSegment;
  writable.writeSegment = () => {
    throw new Error("disk full");
  };
  assertThrows(() => store.compact(), /disk full/);
  assertThrows(() => store.compactNewest(2, 5), /disk full/);
  assertEquals(store.stats(), { ...store.stats(), segments: 4, withoutBloom: 0 });
  assertEquals(answers(), before);
  writable.writeSegment = write;
  store.compact();
  assertEquals(store.stats().segments, 1);
  assertEquals(answers(), before);
  store.close();
});
