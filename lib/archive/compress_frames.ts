/**
 * `compressFrames`: frames compressed on a worker pool, several in flight,
 * delivered in order. Jobs without blocks pass through untouched.
 *
 * @module
 */

import { ARCHIVE_DEFAULTS } from "./manifest.ts";
import { type CompressedFrame, CompressPool, type FrameCompressor } from "./compress_pool.ts";
import type { CompressedFrameJob, FrameJob, UnjoinedRecords } from "./frame_job.ts";
import { joinRecords } from "./zstd_compress_sync.ts";

/** Options of {@link compressFrames}. */
export interface CompressOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** zstd level (default 3). */
  level?: number;
  /** Frames compressing or waiting to be passed on in order (default max(4, 2 × workers)). */
  inflight?: number;
  /**
   * Compress on these workers (shared with other work, e.g. the validation pool's) instead of
   * starting `workers` of its own; the caller closes them.
   */
  compressor?: FrameCompressor | undefined;
  /**
   * The producer hands its frames' buffers over (each job's `raw` a view from offset 0 of a
   * buffer nothing else reads) and takes them back here once compressed; the jobs passed on then
   * carry an empty `raw` (the size is in `compressed.rawBytes`).
   */
  recycle?: ((raw: Uint8Array) => void) | undefined;
  /** Takes back the blocks of jobs that carry `records`, once compressed (their buffers reused). */
  recycleBlocks?: ((blocks: Uint8Array[]) => void) | undefined;
}

/** Compresses a frame given as unjoined records: on the worker when it can join them. */
async function compressRecords(
  compressor: FrameCompressor,
  records: UnjoinedRecords,
  recycleBlocks: ((blocks: Uint8Array[]) => void) | undefined,
): Promise<CompressedFrame & { rawBytes: number }> {
  if (compressor.compressBlocks) {
    const c = await compressor.compressBlocks(records.blocks, records.magic);
    recycleBlocks?.(c.blocks);
    return { raw: new Uint8Array(0), frame: c.frame, checksum: c.checksum, rawBytes: c.rawBytes };
  }
  const raw = joinRecords(records.blocks, records.magic, new Uint8Array(0)).buffer;
  recycleBlocks?.(records.blocks);
  const c = await compressor.compress(raw, true);
  return { ...c, rawBytes: c.raw.length };
}

/** Compresses each job's frame (one zstd frame with its content checksum), in order. */
export function compressFrames(options: CompressOptions = {}): TransformStream<FrameJob, FrameJob> {
  const workers = options.workers ?? 2;
  const limit = options.inflight ?? Math.max(4, 2 * workers);
  let pool: CompressPool | undefined;
  const queue: Array<Promise<FrameJob>> = [];
  const compress = (job: FrameJob): Promise<FrameJob> => {
    if (job.blocks === 0 || job.compressed) return Promise.resolve(job);
    const compressor = options.compressor ??
      (pool ??= new CompressPool(workers, options.level ?? ARCHIVE_DEFAULTS.zstdLevel));
    if (job.records) {
      const { records: _, ...rest } = job;
      return compressRecords(compressor, job.records, options.recycleBlocks).then((c) => ({
        ...rest,
        raw: new Uint8Array(0),
        compressed: { frame: c.frame, checksum: c.checksum, rawBytes: c.rawBytes },
      }));
    }
    const recycle = options.recycle;
    return compressor.compress(job.raw, recycle !== undefined).then((c): CompressedFrameJob => {
      const compressed = { frame: c.frame, checksum: c.checksum, rawBytes: c.raw.length };
      if (!recycle) return { ...job, raw: c.raw, compressed };
      recycle(c.raw);
      return { ...job, raw: new Uint8Array(0), compressed };
    });
  };
  return new TransformStream<FrameJob, FrameJob>({
    async transform(job, controller) {
      const done = compress(job);
      done.catch(() => {}); // awaited below, in order
      queue.push(done);
      while (queue.length >= limit) controller.enqueue(await queue.shift()!);
    },
    async flush(controller) {
      try {
        while (queue.length > 0) controller.enqueue(await queue.shift()!);
      } finally {
        pool?.close();
      }
    },
    cancel() {
      pool?.close();
    },
  });
}
