import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { emptyUtxoState, UtxoStore } from "../../lib/segment/utxo_store.ts";
import { CACHE_BYTES_PER_ENTRY, UtxoCache } from "../../lib/utxo/utxo_cache.ts";
import { warmBlock } from "../../lib/utxo/cache_warm.ts";

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

/**
 * The hints `UtxoRules` passes to `apply`: for each spent output, the entry and free slot its
 * lookup found; for each new output, the free slot of its BIP30 lookup.
 */
function lookupHints(cache: UtxoCache, adds: Uint8Array, dels: Uint8Array) {
  const hints = {
    adds: new Int32Array(adds.length / 36),
    deletes: new Int32Array(dels.length / 18),
  };
  for (let j = 0; j < adds.length / 36; j++) {
    assertEquals(cache.get(adds, 36 * j), -1, "a new output is not in the set yet");
    hints.adds[j] = cache.lastFreeSlot;
  }
  for (let j = 0; j < dels.length / 36; j++) {
    cache.get(dels, 36 * j);
    hints.deletes[2 * j] = cache.lastEntry;
    hints.deletes[2 * j + 1] = cache.lastFreeSlot;
  }
  return hints;
}

/** Share of memory for a cache of at most 700 outputs that the store's segments squeeze. */
const SHARE = 700 * CACHE_BYTES_PER_ENTRY;

for (
  const [seed, withHints, share] of [
    [1, false, undefined],
    [2, false, undefined],
    [3, false, undefined],
    [4, true, undefined],
    [5, true, undefined],
    [6, false, SHARE],
    [7, true, SHARE],
  ] as const
) {
  Deno.test(
    `UTXO cache over the store equals a Map model (adds, spends, flushes${
      withHints ? ", lookup hints" : ""
    }${share ? ", resized as the store grows" : ""}; seed ${seed})`,
    async () => {
      const dir = Deno.makeTempDirSync({ prefix: "blkpipe-cache-" });
      const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
      const cache = new UtxoCache(store, 700, share); // flushes every few hundred operations
      const capacities = new Set<number>([cache.capacity]);
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
        const hints = withHints ? lookupHints(cache, adds, dels) : undefined;
        cache.apply(h, adds, values, dels, false, hints);
        if (rng.int(0, 40) === 0) cache.flush();
        capacities.add(cache.capacity);
        for (let q = 0; q < 20; q++) {
          const i = rng.int(0, next + 5);
          const m = model.get(i);
          assertEquals(cache.get(key(i), 0), m ? m.id : -1, `height ${h}, outpoint ${i}`);
          if (m) assertEquals(cache.foundHeight, m.height);
        }
      }
      cache.flush();
      for (let i = 0; i < next; i++) assertEquals(store.get(key(i), 0), model.get(i)?.id ?? -1);
      if (share) {
        // The segments' filters and directories took room: the cache shrank, in steps of 1/16,
        // never below a quarter.
        assertTrue(Math.min(...capacities) < 700, `capacities ${[...capacities]}`);
        assertTrue(Math.min(...capacities) >= 175);
        for (const c of capacities) assertEquals(c % 44, c === 700 ? 700 % 44 : 0);
      } else assertEquals([...capacities], [700]);
      store.close();
    },
  );
}

Deno.test("warm reads the slot a lookup probes first, from a block's prevouts and from txids, and changes nothing", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-warm-" });
  const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
  const cache = new UtxoCache(store, 1 << 16);
  const txid = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 255);
  const vout = 300; // both low bytes of the vout count in the hash
  const k = new Uint8Array(36);
  k.set(txid);
  new DataView(k.buffer).setUint32(32, vout); // keys hold the vout big-endian
  cache.apply(7, k, Float64Array.of(42), new Uint8Array(0));
  const expected = txid[0]! ^ ((7 << 2) | 1); // the key's first byte ^ its record's word: height 7, live
  // A serialized outpoint (txid ‖ vout little-endian) inside a block's bytes.
  const block = new Uint8Array(100);
  block.set(txid, 20);
  new DataView(block.buffer).setUint32(52, vout, true);
  assertEquals(
    warmBlock(
      cache.warmTable(),
      block,
      Uint32Array.of(20),
      1,
      new Uint8Array(0),
      new Uint32Array(1),
      0,
    ),
    expected,
  );
  // The same output reached through its txid and output count (only vout 300 is present).
  assertEquals(
    warmBlock(
      cache.warmTable(),
      block,
      new Uint32Array(0),
      0,
      txid,
      Uint32Array.of(0, vout + 1),
      1,
    ),
    expected,
  );
  assertEquals(
    warmBlock(cache.warmTable(), block, new Uint32Array(0), 0, txid, Uint32Array.of(0, vout), 1),
    0,
  );
  assertEquals(cache.get(k, 0), 42);
  assertEquals(cache.foundHeight, 7);
  store.close();
});

/** A share so small that the store's filters must give way for the cache to keep its floor. */
const TIGHT = 3400;

for (
  const [share, perBlock, every, blocks, what, absent] of [
    [SHARE, 40, 10, 60, "", true],
    // Past an eighth of the share the oldest segment's filter goes (OLDEST_FILTER_SHARE), unless
    // lookups of absent keys are expected (BIP30 checked).
    [SHARE, 40, 10, 200, ", no absent keys: the oldest segment's filter dropped", false],
    [SHARE, 40, 10, 200, ", absent keys expected: every filter kept", true],
    [TIGHT, 10, 5, 300, ", the oldest filters dropped", true],
  ] as const
) {
  Deno.test(`a cache sized over a reopened store equals the cache after a checkpoint (flush, compaction, resize${what}): a resumed run sizes it alike`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "blkpipe-refit-" });
    const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
    const cache = UtxoCache.forShare(store, share, absent);
    let next = 0, dropped = 0, most = 0;
    const spent = new Set<number>();
    for (let h = 1; h <= blocks; h++) {
      const adds = new Uint8Array(36 * perBlock);
      for (let j = 0; j < perBlock; j++) adds.set(key(next++), 36 * j);
      const old = (next - perBlock) / 2; // one output of an earlier block spent per block
      if (h > 1) spent.add(old);
      const dels = h > 1 ? key(old) : new Uint8Array(0);
      cache.apply(h, adds, new Float64Array(perBlock).fill(2), dels);
      if (h % every === 0) {
        cache.checkpoint(h + 1);
        // What a run resumed here starts with: the store reopened from its state, a new cache.
        const again = await UtxoStore.open(dir, { managed: store.state });
        const fresh = UtxoCache.forShare(again, share, absent);
        assertEquals(fresh.capacity, cache.capacity, `capacity at height ${h}`);
        assertEquals(again.stats().withoutBloom, store.stats().withoutBloom, `filters at ${h}`);
        assertEquals(again.residentBytes(), store.residentBytes());
        dropped += store.stats().withoutBloom;
        most = Math.max(most, store.stats().withoutBloom);
        if (!absent && store.stats().withoutBloom === 0) {
          assertTrue(
            store.residentBytes() <= share / 8,
            `every filter kept at ${h}: within an eighth`,
          );
        }
        again.close();
      }
    }
    const floor = 4 * Math.ceil(cache.maxCapacity / 16);
    assertTrue(cache.capacity < cache.maxCapacity, "the store's resident bytes squeezed the cache");
    assertTrue(cache.capacity >= floor);
    // The share holds: the cache at its size plus what the store keeps in memory.
    assertTrue(cache.capacity * CACHE_BYTES_PER_ENTRY + store.residentBytes() <= share);
    if (share === TIGHT) assertTrue(most > 1, "filters were dropped to keep the floor");
    else if (!absent) {
      assertTrue(dropped > 0, "the oldest filter was dropped past an eighth");
      assertEquals(most, 1, "only the oldest: the cache never came near its floor");
    } else assertEquals(dropped, 0);
    for (let i = 0; i < next; i++) {
      assertEquals(cache.get(key(i), 0), spent.has(i) ? -1 : 2, `output ${i}`);
    }
    store.close();
  });
}

Deno.test("a flush whose write fails leaves the cache as it was (its records sorted, its table rebuilt); the next flush writes them all", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-flushfail-" });
  const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
  const cache = new UtxoCache(store, 10_000);
  const n = 3000, adds = new Uint8Array(36 * n);
  for (let i = 0; i < n; i++) adds.set(key(i * 7 + 1), 36 * i);
  cache.apply(5, adds, new Float64Array(n).map((_, i) => 2 * i), new Uint8Array(0));
  cache.apply(6, new Uint8Array(0), [], adds.subarray(0, 36 * 10)); // ten spent again: dead
  Deno.removeSync(dir, { recursive: true }); // the segment cannot be created
  let failed = false;
  try {
    cache.flush();
  } catch {
    failed = true;
  }
  assertTrue(failed, "the flush failed");
  assertEquals(cache.size, n);
  for (let i = 0; i < n; i++) {
    assertEquals(cache.get(adds, 36 * i), i < 10 ? -1 : 2 * i, `output ${i} after the failure`);
  }
  Deno.mkdirSync(dir);
  cache.flush();
  assertEquals(cache.size, 0);
  for (let i = 0; i < n; i += 11) {
    assertEquals(store.get(adds, 36 * i), i < 10 ? -1 : 2 * i, `output ${i} from the store`);
    assertEquals(cache.get(adds, 36 * i), i < 10 ? -1 : 2 * i, `output ${i} through the cache`);
  }
  store.close();
  Deno.removeSync(dir, { recursive: true });
});
