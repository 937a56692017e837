import { assertEquals, assertRejects, assertTrue } from "../_support/assert.ts";
import { openArchiveTarget } from "../../lib/archive/archive_target.ts";
import { collect } from "../../lib/collect/collect.ts";
import { verifyCollected } from "../../lib/collect/verify_collected.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import type { OrderedBlock } from "../../lib/chain/chain_types.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { LocalStore } from "../../lib/store/local_store.ts";
import { streamPipeline } from "../_support/stream_pipeline.ts";
import { assertSameArchive, readTree } from "../_support/archive_files.ts";

const network = NETWORKS.regtest;
const layout = { chunkPolicy: { blocks: 70 }, frameBytes: 128 << 10, parity: false as const };

function blocksDir(): string {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-streams-" });
  writeBlocksDir(
    dir,
    generateChain({ seed: 12, blocks: 200, targetBlockSize: 30_000, forkRate: 0.05 }),
    { seed: 12, shuffleWindow: 8, maxFileSize: 1 << 20 },
  );
  return dir;
}

/** The hand-composed pipeline, appending heights in [from, to] to the archive at `out`. */
async function streamInto(
  blocks: string,
  out: string,
  to = Infinity,
  failAt = Infinity,
): Promise<void> {
  const target = await openArchiveTarget(new LocalStore(out), { network, ...layout });
  const from = target.position.nextHeight;
  const window = new TransformStream<OrderedBlock, OrderedBlock>({
    transform(b, c) {
      if (b.height === failAt) throw new Error(`stream failed at height ${failAt}`);
      if (b.height >= from && b.height <= to) c.enqueue(b);
    },
  });
  await streamPipeline(blocks, target, network, window);
}

/** Asserts equal chunks, index and manifest (rejects and resume records legitimately differ). */
function assertSameData(actual: string, expected: string, what: string): void {
  assertSameArchive(actual, expected, what, (k) => k.startsWith("state/") || k === "rejects.jsonl");
}

Deno.test("hand-composed stream stages write collect's chunks, index and manifest", async () => {
  const blocks = blocksDir();
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-streams-out-" });
  await streamInto(blocks, `${base}/streamed`);
  assertEquals((await verifyCollected(`${base}/streamed`)).problems, []);
  await collect({ includeTip: true, blocks, out: `${base}/collected`, ...layout });
  assertSameData(`${base}/streamed`, `${base}/collected`, "streamed vs collected");
  assertTrue(readTree(`${base}/streamed`).has("chunks/00002.blk.zst"));
});

Deno.test("collect extends a stream-written archive, and stream stages extend collect's", async () => {
  const blocks = blocksDir();
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-streams-ext-" });
  // A run that stops at a height closes a frame there: references stop at the same heights.
  const twoRuns = async (out: string, stop: number) => {
    await collect({ includeTip: true, blocks, out, ...layout, toHeight: stop });
    return await collect({ includeTip: true, blocks, out, ...layout });
  };
  await twoRuns(`${base}/ref95`, 95);
  await twoRuns(`${base}/ref130`, 130);
  // Stages first (heights 0..95, the open tail chunk then reopened), then collect to the tip.
  await streamInto(blocks, `${base}/a`, 95);
  const grown = await collect({ includeTip: true, blocks, out: `${base}/a`, ...layout });
  assertEquals(grown.resumed, true);
  assertEquals(grown.blocks, 200 - 95);
  assertSameData(`${base}/a`, `${base}/ref95`, "stages then collect");
  assertEquals((await verifyCollected(`${base}/a`)).problems, []);
  // collect first (to height 130), then the stages to the tip.
  await collect({ includeTip: true, blocks, out: `${base}/b`, ...layout, toHeight: 130 });
  await streamInto(blocks, `${base}/b`);
  assertSameData(`${base}/b`, `${base}/ref130`, "collect then stages");
  assertEquals((await verifyCollected(`${base}/b`)).problems, []);
  // ... and collect again on top: nothing new to add, nothing changes.
  const again = await collect({ includeTip: true, blocks, out: `${base}/b`, ...layout });
  assertEquals(again.blocks, 0);
  assertSameData(`${base}/b`, `${base}/ref130`, "collect after stages");
});

Deno.test("a chunk sealed by the stream stages never records collect's stale resume snapshot", async () => {
  const blocks = blocksDir();
  const out = `${Deno.makeTempDirSync({ prefix: "blkpipe-streams-stale-" })}/a`;
  await collect({ includeTip: true, blocks, out, ...layout, toHeight: 50 });
  const before = JSON.parse(Deno.readTextFileSync(`${out}/state/resume.json`));
  assertTrue(before.pipeline !== null);
  // The stages seal chunks (every 70 blocks), then die at height 199 before their end.
  await assertRejects(() => streamInto(blocks, out, Infinity, 199), /height 199/);
  const after = JSON.parse(Deno.readTextFileSync(`${out}/state/resume.json`));
  assertTrue(after.manifest.tip.height > 50, `tip ${after.manifest.tip.height}`);
  assertEquals(after.pipeline, null); // not collect's snapshot of height 50
  // collect continues correctly from there (re-reading the blocks, checking the tip).
  await collect({ includeTip: true, blocks, out, ...layout });
  assertEquals((await verifyCollected(out)).problems, []);
});
