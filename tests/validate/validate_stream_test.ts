import { assertEquals } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import type { OrderedBlock } from "../../lib/chain/chain_types.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import type { CheckLevel } from "../../lib/validate/check_block.ts";
import type { BlockRejection } from "../../lib/validate/reject.ts";
import { validateBlocks } from "../../lib/validate/validate_blocks.ts";
import { validateBlocksParallel } from "../../lib/validate/validate_pool.ts";
import { decodeBlock, reseal, unmine } from "../_support/block_model.ts";

const REGTEST = NETWORKS.regtest;
const chain = [...generateChain({ seed: 11, blocks: 130, targetBlockSize: 5000 })];

function ordered(blocks: Uint8Array[]): OrderedBlock[] {
  // Copies: the worker pool transfers (detaches) the buffers it is given.
  return blocks.map((b, height) => ({
    height,
    hash: blockHash(b),
    bytes: b.slice(),
    file: 0,
    offset: 8 * height,
  }));
}

async function run(
  stage: TransformStream<OrderedBlock, OrderedBlock>,
  blocks: OrderedBlock[],
): Promise<number[]> {
  const out: number[] = [];
  for await (const b of ReadableStream.from(blocks).pipeThrough(stage)) out.push(b.height);
  return out;
}

// Block 120 with a broken merkle root (header re-mined), and block 125 with a bad nonce.
function damagedChain(): Uint8Array[] {
  const blocks = chain.map((b) => b.bytes);
  const m = decodeBlock(blocks[120]!);
  m.header[40]! ^= 1;
  blocks[120] = reseal(m, { merkle: false });
  return blocks;
}

Deno.test("valid generated chain passes in order, single thread and worker pool", async () => {
  const blocks = ordered(chain.map((b) => b.bytes));
  const all = blocks.map((b) => b.height);
  assertEquals(await run(validateBlocks({ network: REGTEST }), blocks), all);
  assertEquals(
    await run(
      validateBlocksParallel({ network: REGTEST, workers: 2 }),
      ordered(chain.map((b) => b.bytes)),
    ),
    all,
  );
});

Deno.test("a rejected block's descendants are rejected as invalid-ancestor (single and pool agree)", async () => {
  for (const parallel of [false, true]) {
    const rejects: BlockRejection[] = [];
    const opts = { network: REGTEST, onReject: (r: BlockRejection) => rejects.push(r) };
    const stage = parallel ? validateBlocksParallel({ ...opts, workers: 2 }) : validateBlocks(opts);
    const passed = await run(stage, ordered(damagedChain()));
    assertEquals(passed, Array.from({ length: 120 }, (_, i) => i));
    assertEquals(rejects[0]!.code, "bad-txnmrklroot");
    assertEquals(rejects[0]!.height, 120);
    assertEquals(rejects[0]!.offset, 960);
    assertEquals(rejects.slice(1).map((r) => r.code), Array(10).fill("invalid-ancestor"));
    assertEquals(rejects[1]!.detail.includes(rejects[0]!.hash), true);
  }
});

Deno.test("check levels: framing < headers < full", async () => {
  const badMerkle = damagedChain();
  const badNonce = chain.map((b) => b.bytes);
  badNonce[120] = badNonce[120]!.slice();
  unmine(badNonce[120]!);
  const truncated = chain.map((b) => b.bytes);
  truncated[120] = truncated[120]!.subarray(0, 200);
  const expect: Record<Exclude<CheckLevel, "utxo">, [number, number, number]> = {
    framing: [131, 131, 120],
    headers: [121, 120, 120], // the re-mined block 120 has a new hash: 121 no longer links
    full: [120, 120, 120],
  };
  for (const level of ["framing", "headers", "full"] as const) {
    const counts = [];
    for (const blocks of [badMerkle, badNonce, truncated]) {
      counts.push((await run(validateBlocks({ network: REGTEST, level }), ordered(blocks))).length);
    }
    assertEquals(counts, expect[level], level);
  }
});
