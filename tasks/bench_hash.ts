/**
 * `deno task bench`: double SHA-256 throughput on real-sized inputs, per
 * core, for hash-wasm, node:crypto and blkpipe's batch kernel, plus the
 * end-to-end txid + merkle cost of a full block.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createSHA256 } from "hash-wasm";
import { Sha256Batch } from "../lib/hash/sha256_batch.ts";
import { BlockLayout } from "../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../lib/bitcoin/txid.ts";
import { merkleRoot } from "../lib/bitcoin/merkle.ts";

const SECONDS = Number(Deno.args[0] ?? 1.5);

function measure(perRep: number, fn: () => void): number {
  fn(); // warm up
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) {
    fn();
    reps++;
    t = performance.now();
  }
  const rate = (reps * perRep) / ((t - t0) / 1000);
  return rate;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

const TX = 250;
const COUNT = 4000;
const txs = new Uint8Array(TX * COUNT);
for (let i = 0; i < txs.length; i++) txs[i] = (i * 2654435761) >>> 24;
const big = new Uint8Array(1 << 20);
for (let i = 0; i < big.length; i++) big[i] = i * 31;

const hw = await createSHA256();
const batch = new Sha256Batch();
const out = new Uint8Array(32 * COUNT);

const rows: Array<[string, number, number]> = [];
const small = (name: string, fn: () => void) => rows.push([name, measure(COUNT, fn), 0]);

small("hash-wasm (one call per message)", () => {
  for (let i = 0; i < COUNT; i++) {
    hw.init();
    hw.update(txs.subarray(i * TX, i * TX + TX));
    const d = hw.digest("binary");
    hw.init();
    hw.update(d);
    hw.digest("binary");
  }
});
small("node:crypto (one call per message)", () => {
  for (let i = 0; i < COUNT; i++) {
    const d = createHash("sha256").update(txs.subarray(i * TX, i * TX + TX)).digest();
    createHash("sha256").update(d).digest();
  }
});
small("blkpipe batch (4-lane wasm SIMD)", () => {
  batch.load(txs);
  for (let i = 0; i < COUNT; i++) batch.add(i * TX, TX);
  batch.run(out);
});

console.log(`double SHA-256 of ${TX}-byte messages, one core (${SECONDS}s per row)`);
const ref = rows[1]![1];
for (const [name, rate] of rows) {
  console.log(
    `  ${name.padEnd(38)} ${fmt(rate).padStart(9)} hashes/s  ${
      (rate / ref).toFixed(2)
    }× node:crypto`,
  );
}

console.log(`\ndouble SHA-256 of 1 MiB messages`);
const mb = (name: string, fn: () => void) => {
  const rate = measure(1, fn);
  console.log(`  ${name.padEnd(38)} ${rate.toFixed(0).padStart(6)} MB/s`);
};
mb("hash-wasm", () => {
  hw.init();
  hw.update(big);
  const d = hw.digest("binary");
  hw.init();
  hw.update(d);
  hw.digest("binary");
});
mb("node:crypto", () => {
  createHash("sha256").update(createHash("sha256").update(big).digest()).digest();
});
mb("blkpipe batch (one message)", () => {
  batch.load(big);
  batch.add(0, big.length);
  batch.run(out);
});

// A real block when the corpus is present: txids + merkle root per second.
const real = new URL("../../shared/data/real/floresta/block_866342.raw", import.meta.url);
try {
  const block = Deno.readFileSync(real);
  const layout = new BlockLayout();
  const rate = measure(1, () => {
    layout.parse(block);
    merkleRoot(computeTxids(layout));
  });
  const txRate = rate * layout.txCount;
  console.log(
    `\nmainnet block 866342 (${(block.length / 1e6).toFixed(2)} MB, ${layout.txCount} txs): ` +
      `walk + txids + merkle root ${rate.toFixed(0)} blocks/s = ${fmt(txRate)} txs/s, ` +
      `${(rate * block.length / 1e6).toFixed(0)} MB/s`,
  );
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  console.log("\n(real block not found: ../shared/data/real absent, block row skipped)");
}
