import { assertEquals, assertTrue } from "../_support/assert.ts";
import type { FrameBuffers } from "../../lib/archive/frame_builder.ts";
import { Framer, startPosition } from "../../lib/archive/framer.ts";
import type { FrameJob } from "../../lib/archive/frame_job.ts";
import { compressFrames } from "../../lib/archive/compress_frames.ts";
import { CompressPool, type FrameCompressor } from "../../lib/archive/compress_pool.ts";
import { BufferPool } from "../../lib/bytes/buffer_pool.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { CheckPool } from "../../lib/validate/check_pool.ts";

const layout = {
  magic: NETWORKS.regtest.magic,
  frameBytes: 300_000,
  chunkPolicy: { blocks: 7 },
};

/** Blocks of varied sizes in pooled buffers (each buffer longer than its block). */
function blocks(pool: BufferPool): Uint8Array[] {
  return Array.from({ length: 20 }, (_, i) => {
    const b = pool.take(70_000 + 9_000 * i);
    for (let j = 0; j < b.length; j += 97) b[j] = (i * 31 + j) & 0xff;
    return b;
  });
}

function frameJobs(list: Uint8Array[], buffers: FrameBuffers): FrameJob[] {
  const f = new Framer(layout, startPosition(0), buffers);
  const jobs: FrameJob[] = [];
  list.forEach((b, h) => {
    f.add(b, new Uint8Array(32).fill(h), h);
    if (f.ready) jobs.push(f.close("", () => null)!);
  });
  const last = f.close("", () => null);
  if (last) jobs.push(last);
  return jobs;
}

async function compressAll(
  jobs: FrameJob[],
  compressor: FrameCompressor,
  recycleBlocks?: (b: Uint8Array[]) => void,
) {
  const out: FrameJob[] = [];
  await ReadableStream.from(jobs).pipeThrough(compressFrames({ compressor, recycleBlocks }))
    .pipeTo(new WritableStream({ write: (j) => void out.push(j) }));
  return out.map((j) => ({
    frame: [...j.compressed!.frame],
    checksum: j.compressed!.checksum,
    rawBytes: j.compressed!.rawBytes,
    index: [...j.index],
    blocks: j.blocks,
    endsChunk: j.endsChunk,
  }));
}

Deno.test("frames of uncopied blocks, joined on the workers, equal frames built by copying", async () => {
  const copy = frameJobs(blocks(new BufferPool()), "copy");
  assertTrue(copy.length >= 6 && copy.some((j) => j.endsChunk), "several frames and chunks");
  const pool = new CompressPool(2, 3);
  const checkPool = new CheckPool(NETWORKS.regtest, 2);
  try {
    const expected = await compressAll(copy, pool);
    assertEquals(expected.reduce((n, j) => n + j.blocks, 0), 20);
    for (
      const [name, compressor] of [
        ["the compression pool", pool],
        ["the validation pool", checkPool.frameCompressor(3)],
        ["a compressor that cannot join (joined on the calling thread)", {
          compress: (raw: Uint8Array, whole?: boolean) => pool.compress(raw, whole),
        }],
      ] as const
    ) {
      const bufferPool = new BufferPool();
      const jobs = frameJobs(blocks(bufferPool), "blocks");
      assertTrue(jobs.every((j) => j.raw.length === 0 && (j.blocks === 0 || j.records)), name);
      const given: Uint8Array[] = [];
      const got = await compressAll(jobs, compressor, (b) => given.push(...b));
      assertEquals(got, expected, name);
      // Given back as each frame is compressed (in the order the workers finish).
      const sizes = (list: Uint8Array[]) => list.map((b) => b.length).sort((x, y) => x - y);
      assertEquals(sizes(given), sizes(blocks(new BufferPool())), name);
      for (const b of given) bufferPool.give(b);
      const before = bufferPool.allocated;
      blocks(bufferPool);
      assertTrue(bufferPool.allocated - before < 20, `${name}: the blocks' buffers come back`);
    }
  } finally {
    pool.close();
    checkPool.close();
  }
});
