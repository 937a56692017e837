import { assertEquals, assertRejects, assertTrue } from "../_support/assert.ts";
import { archiveSink, compressFrames, frameBlocks } from "../../lib/archive/archive_streams.ts";
import { collect } from "../../lib/archive/collector.ts";
import { verifyArchive } from "../../lib/archive/verify.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { orderBlocks } from "../../lib/chain/order_blocks.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { BlkPositionedReader } from "../../lib/source/blk_positioned_reader.ts";
import { readBlockRecords } from "../../lib/source/block_records.ts";
import { validateBlocks } from "../../lib/validate/validate_blocks.ts";
import { readTree } from "../_support/archive_files.ts";

Deno.test("reader → orderer → validator → frames → zstd → sink gives collect's chunks, index and manifest", async () => {
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-streams-" });
  const blocks = `${base}/blocks`;
  writeBlocksDir(
    blocks,
    generateChain({ seed: 12, blocks: 200, targetBlockSize: 30_000, forkRate: 0.05 }),
    {
      seed: 12,
      shuffleWindow: 8,
      maxFileSize: 1 << 20,
    },
  );
  const network = NETWORKS.regtest;
  const layout = { network, frameBytes: 128 << 10, chunkPolicy: { blocks: 70 } };
  const positioned = new BlkPositionedReader(blocks);
  await readBlockRecords(blocks, { network })
    .pipeThrough(orderBlocks({ network, fetch: (f, o) => positioned.readBlock(f, o) }))
    .pipeThrough(validateBlocks({ network }))
    .pipeThrough(frameBlocks(layout))
    .pipeThrough(compressFrames())
    .pipeTo(archiveSink(`${base}/streamed`, layout));
  positioned.close();
  assertEquals(
    (await verifyArchive(`${base}/streamed`)).problems.filter((p) => p.code !== "state"),
    [],
  );
  await collect({
    includeTip: true,
    blocks,
    out: `${base}/collected`,
    chunkPolicy: layout.chunkPolicy,
    frameBytes: layout.frameBytes,
  });
  const a = readTree(`${base}/streamed`), b = readTree(`${base}/collected`);
  for (const [k, v] of b) {
    if (k.startsWith("state/") || k === "rejects.jsonl") continue;
    assertEquals(a.get(k), v, k);
  }
  // collect refuses to extend a stream-written archive.
  await assertRejects(
    () => collect({ includeTip: true, blocks, out: `${base}/streamed` }),
    /stream API/,
  );
  assertTrue(a.has("chunks/00002.blk.zst"));
});
