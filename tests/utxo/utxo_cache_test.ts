import { assertEquals } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { emptyUtxoState, UtxoStore } from "../../lib/segment/utxo_store.ts";
import { UtxoCache } from "../../lib/utxo/utxo_cache.ts";

/** Keys drawn from a small txid pool (many vouts per txid, colliding first bytes) to stress probing. */
function key(i: number): Uint8Array {
  const k = new Uint8Array(36);
  const tx = i >> 3;
  k[0] = tx & 255;
  k[1] = (tx >> 8) & 3; // only 1,024 distinct leading pairs: long probe chains
  k[5] = tx >> 10;
  k[35] = i & 7;
  return k;
}

for (const seed of [1, 2, 3]) {
  Deno.test(`UTXO cache over the store equals a Map model (adds, spends, flushes; seed ${seed})`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "blkpipe-cache-" });
    const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
    const cache = new UtxoCache(store, 700); // flushes every few hundred operations
    const model = new Map<number, { id: number; height: number }>();
    const rng = new Prng(seed);
    let next = 0;
    for (let h = 1; h <= 400; h++) {
      const live = [...model.keys()];
      const spend = new Set<number>();
      for (let j = 0; j < rng.int(0, 12) && live.length > 0; j++) {
        spend.add(live[rng.int(0, live.length - 1)]!);
      }
      const n = rng.int(0, 15);
      const adds = new Uint8Array(36 * n), values = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        adds.set(key(next), 36 * j);
        values[j] = 2 * (next + 1) + (j === 0 ? 1 : 0);
        model.set(next++, { id: values[j]!, height: h });
      }
      const dels = new Uint8Array(36 * spend.size);
      [...spend].forEach((i, j) => {
        dels.set(key(i), 36 * j);
        model.delete(i);
      });
      cache.apply(h, adds, values, dels);
      if (rng.int(0, 40) === 0) cache.flush();
      for (let q = 0; q < 20; q++) {
        const i = rng.int(0, next + 5);
        const m = model.get(i);
        assertEquals(cache.get(key(i), 0), m ? m.id : -1, `height ${h}, outpoint ${i}`);
        if (m) assertEquals(cache.foundHeight, m.height);
      }
    }
    cache.flush();
    for (let i = 0; i < next; i++) assertEquals(store.get(key(i), 0), model.get(i)?.id ?? -1);
    store.close();
  });
}
