/**
 * The archive's back half as composable stream stages, for library users
 * who build their own pipeline:
 *
 * ```text
 * readBlockRecords → orderBlocks → validateBlocks → frameBlocks → compressFrames → archiveSink
 * ```
 *
 * The result is a regular archive (verify, get, export, zstd -d all work).
 * Resuming after a kill and extending later need the synchronous pipeline
 * snapshots that only {@link collect} takes, so an archive written this way
 * is complete-or-nothing: collect refuses to extend it.
 *
 * @module
 */

import type { NetworkParams } from "../bitcoin/network.ts";
import { hashToHex } from "../bytes/hex.ts";
import type { OrderedBlock } from "../chain/chain_orderer.ts";
import { ArchiveWriter, type FrameJob } from "./archive_writer.ts";
import { loadArchiveState } from "./collector.ts";
import { CompressPool } from "./compress_pool.ts";
import { FrameBuilder } from "./frame_builder.ts";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveManifest,
  chunkIsFull,
  type ChunkPolicy,
} from "./manifest.ts";

/** Layout options shared by the stages. */
export interface FrameOptions {
  /** Network (its magic starts every record). */
  network: NetworkParams;
  /** Aimed uncompressed bytes per frame (default 2 MiB). */
  frameBytes?: number;
  /** Chunk policy (default 125,000 blocks). */
  chunkPolicy?: ChunkPolicy;
  /** Height of the first block (default 0). */
  startHeight?: number;
}

/** A frame with its compressed form. */
export type CompressedFrameJob = FrameJob & { compressed: { frame: Uint8Array; checksum: number } };

/** Groups consecutive blocks into frames (and frames into chunks). */
export function frameBlocks(options: FrameOptions): TransformStream<OrderedBlock, FrameJob> {
  const frameBytes = options.frameBytes ?? 2 << 20;
  const policy = options.chunkPolicy ?? { blocks: 125_000 };
  const frames = new FrameBuilder(options.network.magic);
  let next = options.startHeight ?? 0;
  let first = next;
  let chunk = 0, chunkBlocks = 0, chunkRaw = 0, chunkFrames = 0;
  let lastHash = "";
  const emit = (controller: TransformStreamDefaultController<FrameJob>, endsChunk: boolean) => {
    if (frames.blocks === 0) return;
    const built = frames.take();
    controller.enqueue({
      chunk,
      raw: built.raw,
      index: built.index,
      blocks: built.blocks,
      firstHeight: first,
      lastHeight: next - 1,
      lastHash,
      rejects: "",
      endsChunk,
      checkpoint: null,
    });
    first = next;
    chunkFrames++;
    if (endsChunk) {
      chunk++;
      chunkBlocks = chunkRaw = chunkFrames = 0;
    }
  };
  return new TransformStream<OrderedBlock, FrameJob>({
    transform(b, controller) {
      if (b.height !== next) {
        throw new RangeError(`frameBlocks expects height ${next}, got ${b.height}`);
      }
      frames.add(b.bytes, b.hash, chunk, chunkFrames);
      next++;
      chunkBlocks++;
      chunkRaw += 8 + b.bytes.length;
      lastHash = hashToHex(b.hash);
      const full = chunkIsFull(policy, chunkBlocks, chunkRaw);
      if (full || frames.rawSize >= frameBytes) emit(controller, full);
    },
    flush(controller) {
      emit(controller, false);
    },
  });
}

/** Compresses frames on a worker pool, in order. */
export function compressFrames(
  options: { workers?: number; level?: number } = {},
): TransformStream<FrameJob, CompressedFrameJob> {
  const pool = new CompressPool(options.workers ?? 2, options.level ?? 3);
  const queue: Array<Promise<CompressedFrameJob>> = [];
  const limit = 4 * (options.workers ?? 2);
  return new TransformStream<FrameJob, CompressedFrameJob>({
    async transform(job, controller) {
      const done = pool.compress(job.raw).then((c) => ({
        ...job,
        raw: c.raw,
        compressed: { frame: c.frame, checksum: c.checksum },
      }));
      done.catch(() => {});
      queue.push(done);
      while (queue.length >= limit) controller.enqueue(await queue.shift()!);
    },
    async flush(controller) {
      try {
        while (queue.length > 0) controller.enqueue(await queue.shift()!);
      } finally {
        pool.close();
      }
    },
  });
}

/** Writes frames (compressed or not) into a new archive at `out`. */
export function archiveSink(
  out: string,
  options: FrameOptions & { level?: number; workers?: number },
): WritableStream<FrameJob> {
  let writer: ArchiveWriter | undefined;
  return new WritableStream<FrameJob>({
    start() {
      if (loadArchiveState(out) !== null) throw new Error(`${out} already holds an archive`);
      const manifest: ArchiveManifest = {
        format: ARCHIVE_FORMAT,
        version: ARCHIVE_VERSION,
        network: options.network.name,
        startHeight: options.startHeight ?? 0,
        chunkPolicy: options.chunkPolicy ?? { blocks: 125_000 },
        frameBytes: options.frameBytes ?? 2 << 20,
        zstdLevel: options.level ?? 3,
        chunks: [],
        tip: null,
      };
      ArchiveWriter.create(out, manifest, null);
      writer = ArchiveWriter.open(
        { out, level: manifest.zstdLevel, workers: options.workers ?? 2 },
        manifest,
        null,
        null,
      );
    },
    async write(job) {
      await writer!.write(job);
    },
    async close() {
      await writer!.finish(null, true);
    },
    abort() {
      writer?.close();
    },
  });
}
