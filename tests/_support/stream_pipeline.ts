/**
 * The hand-composed collect pipeline (the README's library example) for
 * tests that drive its stages themselves.
 *
 * @module
 */

import { archiveSink } from "../../lib/archive/archive_sink.ts";
import type { ArchiveTarget } from "../../lib/archive/archive_target.ts";
import { compressFrames } from "../../lib/archive/compress_frames.ts";
import { frameBlocks } from "../../lib/archive/frame_blocks.ts";
import type { FrameJob } from "../../lib/archive/frame_job.ts";
import type { NetworkParams } from "../../lib/bitcoin/network.ts";
import type { OrderedBlock } from "../../lib/chain/chain_types.ts";
import { orderBlocks } from "../../lib/chain/order_blocks.ts";
import { BlkPositionedReader } from "../../lib/source/blk_positioned_reader.ts";
import { readBlockRecords } from "../../lib/source/block_records.ts";
import { validateBlocks } from "../../lib/validate/validate_blocks.ts";

/**
 * Streams the blocks directory `blocks` into `target`: read, ordered, validated, kept by
 * `window`, framed, compressed, passed through `tail` (if any), written by the archive sink.
 */
export async function streamPipeline(
  blocks: string,
  target: ArchiveTarget,
  network: NetworkParams,
  window: TransformStream<OrderedBlock, OrderedBlock>,
  tail?: TransformStream<FrameJob, FrameJob>,
): Promise<void> {
  const positioned = new BlkPositionedReader(blocks);
  try {
    const compressed = readBlockRecords(blocks, { network })
      .pipeThrough(orderBlocks({ network, fetch: (f, o) => positioned.readBlock(f, o) }))
      .pipeThrough(validateBlocks({ network }))
      .pipeThrough(window)
      .pipeThrough(frameBlocks(target))
      .pipeThrough(compressFrames());
    await (tail ? compressed.pipeThrough(tail) : compressed).pipeTo(archiveSink(target));
  } finally {
    positioned.close();
  }
}
