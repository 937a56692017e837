/**
 * `archiveSink`: the writing end of a pipeline — frame jobs (compressed by
 * `compressFrames`) into an archive opened with `openArchiveTarget`. Closing
 * the stream seals the open chunk as the archive's open tail and records the
 * state; aborting it leaves the archive as of its last resume point. Either
 * way the writer lock is released.
 *
 * @module
 */

import { ArchiveWriter, type WriterStats } from "./archive_writer.ts";
import type { ArchiveTarget } from "./archive_target.ts";
import type { FrameJob } from "./frame_job.ts";
import type { FrameSpares } from "./frame_spares.ts";

/** Options of {@link archiveSink}. */
export interface ArchiveSinkOptions {
  /** Re-read and check recently written frames every this many blocks (default 10,000). */
  integrityEvery?: number | undefined;
  /** Keep the writer lock when the stream ends (the caller writes more, then releases it). */
  keepLock?: boolean | undefined;
  /** Receives the writer's counters once it is open (progress). */
  onOpen?: ((stats: WriterStats, writer: ArchiveWriter) => void) | undefined;
  /** Where written frames go back for the compressors to reuse (see {@link FrameSpares}). */
  frameSpares?: FrameSpares | undefined;
}

/**
 * A stream into the archive of `target`.
 *
 * @example
 * ```ts ignore
 * const target = await openArchiveTarget(new LocalStore(out), { network });
 * await blocks.pipeThrough(frameBlocks(target)).pipeThrough(compressFrames())
 *   .pipeTo(archiveSink(target));
 * ```
 */
export function archiveSink(
  target: ArchiveTarget,
  options: ArchiveSinkOptions = {},
): WritableStream<FrameJob> {
  let writer: ArchiveWriter | undefined;
  const release = async () => {
    if (!options.keepLock) await target.lock.release();
  };
  return new WritableStream<FrameJob>({
    async start() {
      try {
        writer = await ArchiveWriter.open(target.store, target.state, {
          stage: target.stage,
          integrityEvery: options.integrityEvery,
          frameSpares: options.frameSpares,
        });
      } catch (e) {
        await release();
        throw e;
      }
      options.onOpen?.(writer.stats, writer);
    },
    async write(job) {
      try {
        await writer!.write(job);
      } catch (e) {
        // A failed sink is not aborted by the stream: release everything here.
        writer!.close();
        await release();
        throw e;
      }
    },
    async close() {
      try {
        await writer!.finish();
      } finally {
        await release();
      }
    },
    async abort() {
      try {
        writer?.close();
      } finally {
        await release();
      }
    },
  });
}
