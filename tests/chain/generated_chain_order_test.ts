import { assertEquals, assertTrue } from "../_support/assert.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { ChainOrderer } from "../../lib/chain/chain_orderer.ts";
import type { OrderedBlock } from "../../lib/chain/chain_types.ts";
import { heightRange, orderBlocks } from "../../lib/chain/order_blocks.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { type BlocksDirOptions, writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { readBlockRecords } from "../../lib/source/block_records.ts";
import { BlkPositionedReader } from "../../lib/source/blk_positioned_reader.ts";
import { readAndOrder } from "../_support/blocks_dir.ts";

const REGTEST = NETWORKS.regtest;

function chain(seed: number, blocks = 150): GenBlock[] {
  return [
    ...generateChain({ seed, blocks, targetBlockSize: 6000, forkRate: 0.1, orphanRate: 0.05 }),
  ];
}

const VARIANTS: Array<[string, (seed: number) => BlocksDirOptions]> = [
  ["shuffled", (seed) => ({ seed, shuffleWindow: 12, maxFileSize: 150_000 })],
  [
    "xor",
    (seed) => ({ seed, xorKey: Uint8Array.of(seed, 1, 2, 3, 4, 5, 6, 7), maxFileSize: 90_000 }),
  ],
  ["damaged", (seed) => ({
    seed,
    shuffleWindow: 4,
    maxFileSize: 120_000,
    damage: { padTo: 65_536, garbageRate: 0.05, tornRate: 0.05, truncateTail: true },
  })],
  ["all", (seed) => ({
    seed,
    shuffleWindow: 20,
    maxFileSize: 100_000,
    xorKey: Uint8Array.of(0xfa, seed, 0xb5, 0xda, 0, 0, 0, 1),
    damage: { padTo: 32_768, garbageRate: 0.03, tornRate: 0.03, truncateTail: true },
  })],
];

Deno.test("generated chains: 10 seeds × (shuffle, XOR, damage) yield exactly the main chain", async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const blocks = chain(seed);
    for (const [name, opts] of VARIANTS) {
      const dir = Deno.makeTempDirSync({ prefix: "blkpipe-gen-" });
      const options = opts(seed);
      const summary = writeBlocksDir(dir, blocks, options);
      const run = await readAndOrder(dir, REGTEST, options.xorKey ? { key: options.xorKey } : {});
      const where = `seed ${seed} ${name}`;
      assertEquals(run.blocks.map((b) => hashToHex(b.hash)), summary.mainHashes, where);
      assertEquals(run.blocks.map((b) => b.height), summary.mainHashes.map((_, i) => i), where);
      const stale = run.reports.filter((r) => r.kind === "stale").map((r) => r.hash).sort();
      const orphans = run.reports.filter((r) => r.kind === "orphan").map((r) => r.hash).sort();
      assertEquals(stale, [...summary.stale].sort(), `${where} stale`);
      assertEquals(orphans, [...summary.orphans].sort(), `${where} orphans`);
      if (options.damage) {
        assertTrue(run.skips.some((s) => s.reason === "garbage" || s.reason === "torn"), where);
        assertTrue(run.skips.some((s) => s.reason === "truncated"), where);
      }
      Deno.removeSync(dir, { recursive: true });
    }
  }
});

Deno.test("orderer memory is bounded by the out-of-order window and depth, not chain length", () => {
  const blocks = chain(77, 1200).filter((b) => b.kind !== "orphan");
  // Shuffle in windows of 32 as a headers-first download would.
  const order: GenBlock[] = [blocks[0]!];
  for (let i = 1; i < blocks.length; i += 32) order.push(...blocks.slice(i, i + 32).reverse());
  const orderer = new ChainOrderer({
    network: REGTEST,
    depth: 6,
    keep: 50,
    fetch: () => {
      throw new Error("every block should still be cached");
    },
  });
  let maxNodes = 0, maxOrphans = 0, emitted = 0;
  for (const b of order) {
    orderer.add({ file: 0, offset: 0, bytes: b.bytes }, () => emitted++);
    const s = orderer.snapshot();
    maxNodes = Math.max(maxNodes, s.nodes.length);
    maxOrphans = Math.max(maxOrphans, s.orphans.length);
  }
  orderer.finish(() => emitted++);
  assertEquals(emitted, 1201);
  assertTrue(maxOrphans <= 32, `orphans ${maxOrphans}`);
  assertTrue(maxNodes <= 50 + 6 + 32 + 40, `nodes ${maxNodes}`); // keep + depth + window + forks
});

Deno.test("resume: a snapshot restored into a new orderer continues to the same result", async () => {
  const blocks = chain(5, 120);
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-resume-" });
  const summary = writeBlocksDir(dir, blocks, { seed: 5, shuffleWindow: 10, maxFileSize: 60_000 });
  const reader = new BlkPositionedReader(dir);
  const make = () =>
    new ChainOrderer({
      network: REGTEST,
      fetch: (f, o) => reader.readBlock(f, o),
      cacheBytes: 50_000,
    });
  const first = make();
  const out: OrderedBlock[] = [];
  let snapshot: string | undefined;
  for await (const r of readBlockRecords(dir, { network: REGTEST })) {
    first.add(r, (b) => out.push(b));
    if (out.length >= 60 && snapshot === undefined) snapshot = JSON.stringify(first.snapshot());
  }
  const state = JSON.parse(snapshot!);
  const kept = out.filter((b) => b.height <= state.emittedHeight);
  const second = make();
  second.restore(state);
  const resumed: OrderedBlock[] = [...kept];
  second.resume((b) => resumed.push(b));
  for await (const r of readBlockRecords(dir, { network: REGTEST, start: state.next })) {
    second.add(r, (b) => resumed.push(b));
  }
  second.finish((b) => resumed.push(b));
  reader.close();
  assertEquals(resumed.map((b) => hashToHex(b.hash)), summary.mainHashes);
});

Deno.test("height range stops the pipeline after --to-height", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-range-" });
  writeBlocksDir(dir, chain(9, 80), { seed: 9 });
  const reader = new BlkPositionedReader(dir);
  const heights: number[] = [];
  const stream = readBlockRecords(dir, { network: REGTEST })
    .pipeThrough(orderBlocks({ network: REGTEST, fetch: (f, o) => reader.readBlock(f, o) }))
    .pipeThrough(heightRange(10, 20));
  for await (const b of stream) heights.push(b.height);
  reader.close();
  assertEquals(heights, Array.from({ length: 11 }, (_, i) => 10 + i));
});
