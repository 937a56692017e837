/**
 * `utxo_scale.ts MILLIONS DIR [MEM] [AGES]` (run by bench:index): grows a UTXO set the way the
 * chain index does — blocks of 4,000 new outputs into the UTXO cache (35% of MEM, the chain
 * index's budget, default 930 MiB — what the default 1 GiB `--mem` leaves it — shared with the
 * segments' filters and directories; the oldest segment's filter gives way past an eighth of the
 * share, as in the chain index past mainnet's BIP34 block, and older filters below the cache's
 * floor) over the store, a checkpoint (flush, the indexer's size-tiered compaction) every 9.9 M
 * entries — to MILLIONS million unspent outputs, and between blocks looks up 1,000 random earlier
 * outputs (all hits): with AGES `uniform` (the default, the worst case) any output of the set
 * alike; with `mainnet` outputs as old as real mainnet blocks spend (the corpus' prevout JSON, see
 * _spend_ages.ts; an age beyond the set's blocks draws from the whole set). Prints, per 10 M:
 * adds/s and lookups/s in that stretch, the share of lookups the cache answered and the rate of
 * the others timed apart (what the segments cost), the peak RSS sampled after every block of it,
 * the segments' resident filters and directories, the cache's size (what they leave of its share)
 * and the segment count (of which without filter).
 * A smaller MEM shows at 50 M what the default shows at mainnet's ≈173 M
 * (`269MiB` ≈ 930 MiB × 50 / 173).
 *
 * @module
 */

import { emptyUtxoState, UtxoStore } from "../lib/segment/utxo_store.ts";
import { Prng } from "../lib/gen/prng.ts";
import { DEFAULT_INDEX_MEM, UTXO_SHARE } from "../lib/index/chain_indexer.ts";
import { UtxoCache } from "../lib/utxo/utxo_cache.ts";
import { sizeFlag } from "../cli/_common.ts";
import { mainnetSpendAges, shareAtMost } from "./_spend_ages.ts";

const millions = Number(Deno.args[0] ?? 50);
const dir = Deno.args[1] ?? "/tmp/blkpipe-utxo-scale";
const mem = sizeFlag(Deno.args[2], "MEM", DEFAULT_INDEX_MEM);
const agesMode = Deno.args[3] ?? "uniform";
if (agesMode !== "uniform" && agesMode !== "mainnet") {
  console.error(`utxo_scale: AGES is uniform or mainnet, not ${agesMode}`);
  Deno.exit(2);
}
const ages = agesMode === "mainnet" ? mainnetSpendAges() : null;
if (ages) {
  console.log(
    `lookups as old as mainnet spends (${ages.length} inputs of the corpus): ` +
      [1, 6, 144, 1008, 4320].map((n) => `${(100 * shareAtMost(ages, n)).toFixed(0)}% ≤ ${n}`)
        .join(", ") +
      " blocks old",
  );
}
try {
  Deno.removeSync(dir, { recursive: true });
} catch {
  // none
}
const store = await UtxoStore.open(dir, { managed: emptyUtxoState() });
// As the chain indexer past mainnet's BIP34 block: no lookups of absent outputs (BIP30 unchecked).
const cache = UtxoCache.forShare(store, mem * UTXO_SHARE, false);

/** Outpoint number `i` → a random-looking 36-byte key (txid from a mix of i, vout 0). */
function keyOf(out: Uint8Array, at: number, i: number): void {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ (i >>> 13);
  for (let w = 0; w < 8; w++) {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) ^ (w * 0x27d4eb2d) ^ i;
    out[at + 4 * w] = h & 255;
    out[at + 4 * w + 1] = (h >>> 8) & 255;
    out[at + 4 * w + 2] = (h >>> 16) & 255;
    out[at + 4 * w + 3] = h >>> 24;
  }
  out.fill(0, at + 32, at + 36);
}

const BLOCK = 4000, LOOKUPS = 1000, CHECKPOINT = 9_900_000;
const adds = new Uint8Array(36 * BLOCK);
const values = new Float64Array(BLOCK).fill(2 * 10_000);
const key = new Uint8Array(36);
const rng = new Prng(9);
let total = 0, sinceCheckpoint = 0, height = 0;
let addMs = 0, lookMs = 0, looks = 0, addsInStretch = 0, misses = 0;
// The lookups the cache cannot answer, timed apart: what the segments cost per lookup.
let storeMs = 0, storeLooks = 0;
const storeGet = store.get.bind(store);
store.get = (k, at, before, since) => {
  const t = performance.now();
  const v = storeGet(k, at, before, since);
  storeMs += performance.now() - t;
  storeLooks++;
  return v;
};
console.log(
  "| unspent | adds/s | lookups/s | from the cache | store lookups/s | RSS, peak of the stretch | filters + directories | cache | segments (without filter) |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
let peak = 0;
/** An output as old as a mainnet spend: drawn from the ages, then within its block. */
function agedOutput(): number {
  const block = height + 1 - ages![rng.int(0, ages!.length - 1)]!;
  return block < 1 ? rng.int(0, total - 1) : (block - 1) * BLOCK + rng.int(0, BLOCK - 1);
}
const MiB = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
while (total < millions * 1e6) {
  for (let j = 0; j < BLOCK; j++) keyOf(adds, 36 * j, total + j);
  let t = performance.now();
  cache.apply(++height, adds, values, new Uint8Array(0));
  sinceCheckpoint += BLOCK;
  if (sinceCheckpoint >= CHECKPOINT) {
    cache.checkpoint(height + 1);
    sinceCheckpoint = 0;
  }
  addMs += performance.now() - t;
  total += BLOCK;
  addsInStretch += BLOCK;
  peak = Math.max(peak, Deno.memoryUsage().rss);
  t = performance.now();
  for (let j = 0; j < LOOKUPS; j++) {
    keyOf(key, 0, ages ? agedOutput() : rng.int(0, total - 1));
    if (cache.get(key, 0) < 0) misses++;
  }
  lookMs += performance.now() - t;
  looks += LOOKUPS;
  if (total % 10_000_000 === 0) {
    console.log(
      `| ${total / 1e6} M | ${(addsInStretch / addMs).toFixed(0)} k | ${
        (looks / lookMs).toFixed(0)
      } k | ${(100 - 100 * storeLooks / looks).toFixed(0)}% | ${
        (storeLooks / storeMs).toFixed(0)
      } k | ${MiB(peak)} | ${MiB(store.residentBytes())} | ${
        (cache.capacity / 1e6).toFixed(2)
      } M | ${store.stats().segments} (${store.stats().withoutBloom}) |`,
    );
    addMs =
      lookMs =
      looks =
      addsInStretch =
      storeMs =
      storeLooks =
      peak =
        0;
  }
}
if (misses > 0) throw new Error(`${misses} lookups of existing outputs missed`);
store.close();
Deno.removeSync(dir, { recursive: true });
