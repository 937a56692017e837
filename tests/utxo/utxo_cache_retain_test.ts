import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { emptyUtxoState, UtxoStore } from "../../lib/segment/utxo_store.ts";
import { CACHE_BYTES_PER_ENTRY, UtxoCache } from "../../lib/utxo/utxo_cache.ts";

/** Output `i`'s key: a txid from a mix of `i >> 2`, vout `i & 3`. */
function key(i: number): Uint8Array {
  const k = new Uint8Array(36);
  const dv = new DataView(k.buffer);
  for (let w = 0; w < 8; w++) dv.setUint32(4 * w, Math.imul((i >> 2) + 1, 0x9e3779b1 + 2 * w));
  k[35] = i & 3;
  return k;
}

/** The segment files of a store's directory, by name. */
function files(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const e of Deno.readDirSync(dir)) out.set(e.name, Deno.readFileSync(`${dir}/${e.name}`));
  return out;
}

/**
 * One workload through a cache keeping `retainShare` of its capacity after each flush: blocks of
 * new outputs, spends mostly of young ones (as on mainnet), now and then an overwrite of a young
 * unspent output, flushes when full, checkpoints every 40 blocks. Checks every answer against a
 * model; returns the store's directory, how many lookups reached the store, and the most clean
 * entries seen.
 */
async function run(retainShare: number) {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-retain-" });
  const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
  const cache = new UtxoCache(store, 300, 300 * CACHE_BYTES_PER_ENTRY, retainShare);
  let storeLookups = 0, mostClean = 0;
  const get = store.get.bind(store);
  store.get = (k, at, before, since) => (storeLookups++, get(k, at, before, since));
  const model = new Map<number, { id: number; height: number }>();
  const rng = new Prng(11);
  let next = 0;
  for (let h = 1; h <= 300; h++) {
    const spend = new Set<number>();
    for (let j = rng.int(0, 20); j > 0 && model.size > 0; j--) {
      // Nine in ten among the last 60 outputs created, else any.
      const i = rng.chance(0.9) ? rng.int(Math.max(0, next - 60), next - 1) : rng.int(0, next - 1);
      if (model.has(i)) spend.add(i);
    }
    const fresh: number[] = [];
    for (let j = rng.int(1, 14); j > 0; j--) fresh.push(next++);
    const overwrite = rng.int(0, 9) === 0 ? rng.int(Math.max(0, next - 200), next - 1) : -1;
    if (overwrite >= 0 && !spend.has(overwrite) && model.has(overwrite)) fresh.push(overwrite);
    const adds = new Uint8Array(36 * fresh.length), values = new Float64Array(fresh.length);
    fresh.forEach((i, j) => {
      adds.set(key(i), 36 * j);
      values[j] = 2 * (i + h);
    });
    const dels = new Uint8Array(36 * spend.size);
    [...spend].forEach((i, j) => dels.set(key(i), 36 * j));
    for (const i of spend) model.delete(i);
    fresh.forEach((i, j) => model.set(i, { id: values[j]!, height: h }));
    cache.apply(h, adds, values, dels, fresh.length > 0 && fresh.at(-1) === overwrite);
    if (h % 40 === 0) cache.checkpoint(h + 1);
    mostClean = Math.max(mostClean, cache.clean);
    for (let q = 0; q < 30; q++) {
      const i = rng.chance(0.8) ? rng.int(Math.max(0, next - 100), next - 1) : rng.int(0, next);
      const m = model.get(i);
      assertEquals(cache.get(key(i), 0), m ? m.id : -1, `height ${h}, output ${i}`);
      if (m) assertEquals(cache.foundHeight, m.height, `height of output ${i}`);
    }
  }
  cache.flush();
  const state = JSON.stringify(store.state);
  store.close();
  return { dir, storeLookups, mostClean, state };
}

Deno.test("a cache that keeps the youngest outputs after a flush writes the same segments at the same points as one that keeps none, and answers more lookups itself", async () => {
  const none = await run(0);
  assertEquals(none.mostClean, 0);
  const a = files(none.dir);
  assertTrue(a.size > 3, `segments written: ${a.size}`);
  for (const share of [0.25, 0.5]) {
    const kept = await run(share);
    assertTrue(kept.mostClean > 50, `clean entries kept at ${share}: ${kept.mostClean}`);
    assertTrue(
      kept.storeLookups < 0.9 * none.storeLookups,
      `store lookups ${kept.storeLookups} against ${none.storeLookups}`,
    );
    assertEquals(kept.state, none.state, `store state at ${share}`);
    const b = files(kept.dir);
    assertEquals([...b.keys()].sort(), [...a.keys()].sort());
    for (const [name, bytes] of a) assertEquals(b.get(name), bytes, `${name} at ${share}`);
    Deno.removeSync(kept.dir, { recursive: true });
  }
  Deno.removeSync(none.dir, { recursive: true });
});
