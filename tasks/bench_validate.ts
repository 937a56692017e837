/**
 * `deno task bench:validate`: blocks/s and MB/s of the validator stage at
 * `full`, single thread vs worker pools, on real blocks (the corpus' large
 * modern blocks, repeated) and on a generated chain.
 *
 * @module
 */

import { blockHash } from "../lib/bitcoin/header.ts";
import { type NetworkParams, NETWORKS } from "../lib/bitcoin/network.ts";
import type { OrderedBlock } from "../lib/chain/chain_types.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { BlockChecker } from "../lib/validate/check_block.ts";
import { CheckPool } from "../lib/validate/check_pool.ts";
import { validateBlocks } from "../lib/validate/validate_blocks.ts";
import { validateBlocksParallel } from "../lib/validate/validate_pool.ts";

interface Sample {
  bytes: Uint8Array;
  height: number;
}

async function throughput(
  name: string,
  network: NetworkParams,
  samples: Sample[],
  stage: () => TransformStream<OrderedBlock, OrderedBlock>,
  contextual: boolean,
): Promise<void> {
  const total = samples.reduce((n, s) => n + s.bytes.length, 0);
  const input = samples.map((s, i) => ({
    height: contextual ? s.height : s.height,
    hash: blockHash(s.bytes),
    bytes: s.bytes.slice(),
    file: 0,
    offset: i,
  }));
  const t0 = performance.now();
  let n = 0;
  for await (const _ of ReadableStream.from(input).pipeThrough(stage())) n++;
  const s = (performance.now() - t0) / 1000;
  if (n !== samples.length) {
    throw new Error(`${name}: only ${n} of ${samples.length} blocks passed`);
  }
  console.log(
    `  ${name.padEnd(34)} ${(n / s).toFixed(0).padStart(6)} blocks/s ${
      (total / s / 1e6).toFixed(0).padStart(5)
    } MB/s`,
  );
  void network;
}

const REAL = new URL("../../shared/data/real/", import.meta.url).pathname;
const realFiles: Array<[string, number]> = [
  ["floresta/block_866342.raw", 866342],
  [
    "rust-bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
    702861,
  ],
  ["bitcoin-core/block413567.raw", 413567],
  ["rbtc/mainnet-0000000000000000000687bca986194dc2c1f949318629b44bb54ec0a94d8244.raw", 709632],
];

const workers = [1, 2];
try {
  const blocks = realFiles.map(([f, h]) => ({ bytes: Deno.readFileSync(REAL + f), height: h }));
  const samples: Sample[] = [];
  for (let i = 0; i < 120; i++) samples.push(blocks[i % blocks.length]!);
  const mb = samples.reduce((n, s) => n + s.bytes.length, 0) / 1e6;
  console.log(
    `real mainnet blocks (4 distinct, 1.0–1.6 MB; ${samples.length} checks, ${
      mb.toFixed(0)
    } MB), per-block checks at full:`,
  );
  // Unrelated heights: measure the per-block part only (no header chain).
  const checker = new BlockChecker(NETWORKS.mainnet);
  const t0 = performance.now();
  for (const s of samples) {
    if (checker.check(s.bytes, blockHash(s.bytes), s.height)) {
      throw new Error("real block rejected");
    }
  }
  const sec = (performance.now() - t0) / 1000;
  console.log(
    `  ${"BlockChecker, one thread".padEnd(34)} ${
      (samples.length / sec).toFixed(0).padStart(6)
    } blocks/s ${(mb / sec).toFixed(0).padStart(5)} MB/s`,
  );
  for (const w of workers) {
    const pool = new CheckPool(NETWORKS.mainnet, w);
    await pool.ready();
    const t1 = performance.now();
    const results = await Promise.all(
      samples.map((s) => pool.check(s.bytes.slice(), blockHash(s.bytes), s.height, "full")),
    );
    const sec1 = (performance.now() - t1) / 1000;
    pool.close();
    if (results.some((r) => r.failure)) throw new Error("real block rejected by the pool");
    const label = `CheckPool (${w} worker${w > 1 ? "s" : ""})`;
    console.log(
      `  ${label.padEnd(34)} ${(samples.length / sec1).toFixed(0).padStart(6)} blocks/s ${
        (mb / sec1).toFixed(0).padStart(5)
      } MB/s`,
    );
  }
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  console.log("(real corpus absent: real-block rows skipped)");
}

const gen = [
  ...generateChain({ seed: 1, blocks: Number(Deno.args[0] ?? 260), targetBlockSize: 1_000_000 }),
];
const genMb = gen.reduce((n, b) => n + b.bytes.length, 0) / 1e6;
console.log(
  `\ngenerated regtest chain (${gen.length} blocks, ${genMb.toFixed(0)} MB), full validator stage:`,
);
const samples = gen.map((b) => ({ bytes: b.bytes, height: b.height }));
await throughput(
  "validateBlocks (one thread)",
  NETWORKS.regtest,
  samples,
  () => validateBlocks({ network: NETWORKS.regtest }),
  true,
);
for (const w of workers) {
  await throughput(
    `validateBlocksParallel (${w} worker${w > 1 ? "s" : ""})`,
    NETWORKS.regtest,
    samples,
    () => validateBlocksParallel({ network: NETWORKS.regtest, workers: w }),
    true,
  );
}
