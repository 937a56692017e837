/**
 * The collect job: a blocks directory → ordered → validated → framed →
 * compressed → archive, resumable at any instant. It is a composition of
 * stream stages — `readBlockEvents` → {@link CollectCore} (order, validate,
 * frame) → `compressFrames` → `archiveSink` — plus resume points, progress
 * and the summary. The sink records a resume point only after the data it
 * covers is durable; resuming restores the snapshot and the archive cuts
 * its files back to their durable lengths, so the finished archive is
 * byte-identical to an uninterrupted run.
 *
 * @module
 */

import { type NetworkName, type NetworkParams, NETWORKS } from "../bitcoin/network.ts";
import {
  type ArchiveTarget,
  loadArchiveState,
  openArchiveTarget,
} from "../archive/archive_target.ts";
import { archiveSink } from "../archive/archive_sink.ts";
import type { ArchiveWriter } from "../archive/archive_writer.ts";
import { compressFrames } from "../archive/compress_frames.ts";
import type { FrameJob } from "../archive/frame_job.ts";
import { ArchiveError, type ChunkPolicy } from "../archive/manifest.ts";
import { listBlkFiles } from "../source/blk_files.ts";
import { BlkPositionedReader } from "../source/blk_positioned_reader.ts";
import { detectNetwork, readBlockEvents } from "../source/block_records.ts";
import type { ParityOptions } from "../parity/archive_parity.ts";
import { protectArchive } from "../parity/protect_archive.ts";
import { stagedParityPlace } from "../parity/parity_place.ts";
import { startValidationPool } from "../validate/check_pool.ts";
import { FrameSpares } from "../archive/frame_spares.ts";
import { precheckBlocks } from "../validate/precheck_stream.ts";
import { BufferPool } from "../bytes/buffer_pool.ts";
import { LocalStore } from "../store/local_store.ts";
import { openStore } from "../store/open_store.ts";
import { isS3Url } from "../store/s3_location.ts";
import type { Store } from "../store/store.ts";
import type { CheckLevel } from "../validate/check_block.ts";
import { CollectCore, emptySnapshot } from "./collect_frames.ts";
import { defaultCollectWorkersHere } from "./default_workers.ts";
import { type CollectIndex, type CollectIndexOptions, openCollectIndex } from "./collect_index.ts";
import { isPipelineSnapshot, type PipelineSnapshot } from "./pipeline_snapshot.ts";

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Bitcoin Core blocks directory. */
  blocks: string;
  /** Archive (a directory path or a store): created, resumed or extended. */
  out: string | Store;
  /** Build the open chunk here (a directory path) and move it to `out` when sealed. */
  stage?: string | undefined;
  /** Network (detected from the files when absent). */
  network?: NetworkParams | undefined;
  /** XOR key; by default read from `blocks/xor.dat`. */
  xorKey?: Uint8Array | undefined;
  /** Chunk policy for a new archive (default 125,000 blocks). */
  chunkPolicy?: ChunkPolicy;
  /** Aimed uncompressed frame size for a new archive (default 2 MiB). */
  frameBytes?: number;
  /** zstd level for a new archive (default 3). */
  level?: number;
  /** First height to archive for a new archive (default 0). */
  fromHeight?: number;
  /** Last height to archive. */
  toHeight?: number;
  /** Validation depth (default full). */
  checkLevel?: CheckLevel;
  /** Reorganisation depth for ordering (default 6). */
  depth?: number;
  /**
   * Also archive the last `depth` blocks, which a reorganisation could still replace (default
   * false: they are archived by a later run, once buried). For static block sets.
   */
  includeTip?: boolean;
  /**
   * Worker threads: each runs the costly block checks and compresses frames (default: one per
   * core, at most 8; 2 at `utxo`: `defaultCollectWorkers` in default_workers.ts).
   */
  workers?: number;
  /**
   * Run the costly block checks on the workers (default true; false: on the main thread). Without
   * read permission on blkpipe's `lib/` the workers start from the modules' text
   * (`check_worker_sources.ts`); should that fail, collect validates on the main thread and says
   * so.
   */
  validateOnWorkers?: boolean;
  /** Uncompressed bytes between checkpoints (default {@link DEFAULT_CHECKPOINT_BYTES}). */
  checkpointBytes?: number;
  /** Re-read and check written frames every this many blocks (default 10,000). */
  integrityEvery?: number;
  /** Aborting stops at the next frame boundary (SIGINT). */
  signal?: AbortSignal | undefined;
  /** Progress callback (about twice a second). */
  onProgress?: ((p: CollectProgress) => void) | undefined;
  /** Clock for the time-too-new rule (tests). */
  now?: () => number;
  /**
   * PAR2 parity for what this run sealed (default: on, 10% redundancy; local archives only),
   * or false.
   */
  parity?: ParityOptions | false;
  /** With `checkLevel: "utxo"`: the chain index's memory budget and checkpoint spacing. */
  index?: CollectIndexOptions;
}

/** Live counters. */
export interface CollectProgress {
  /** Last archived height (-1: none). */
  height: number;
  /** Blocks archived this run. */
  blocks: number;
  /** Bytes read from blk files this run. */
  readBytes: number;
  /** Total bytes of the blk files (for the ETA). */
  totalBytes: number;
  /** Uncompressed bytes archived this run. */
  rawBytes: number;
  /** Compressed bytes written this run. */
  storedBytes: number;
  /** Seconds since start. */
  seconds: number;
}

/** What a run did. */
export interface CollectSummary extends CollectProgress {
  /** Network of the archive. */
  network: NetworkName;
  /** Archive tip after the run. */
  tip: { height: number; hash: string } | null;
  /** The run continued an interrupted one. */
  resumed: boolean;
  /** Stopped early on request (SIGINT); run again to continue. */
  interrupted: boolean;
  /** Rejected (invalid) blocks this run. */
  rejected: number;
  /** Stale, orphan and duplicate blocks reported this run. */
  notArchived: number;
  /** Skipped byte ranges this run (padding excluded). */
  skips: number;
  /** Blocks still waiting for their parent. */
  pending: number;
  /** Chunks sealed this run. */
  sealedChunks: number;
  /** Frames re-read by the periodic integrity check. */
  checkedFrames: number;
  /** Parity sets computed at the end of the run (null: parity off). */
  paritySets: number | null;
  /** Workers that ran the costly block checks (0: the main thread). */
  validationWorkers: number;
  /** Why validation workers were asked for but not used (the flag to add), else null. */
  validationNote: string | null;
  /**
   * With `index.utxoSnapshot`: the snapshot's base block while it is not
   * archived yet (no block has been checked against the chain-wide rules), else null.
   */
  snapshotBasePending: string | null;
}

/** Chooses the network: the archive's, the caller's and the files' must agree. */
async function resolveNetwork(o: CollectOptions, store: Store): Promise<NetworkParams> {
  // Read without the lock (files are replaced atomically); a location that is no archive is
  // refused with its own message when the archive is opened.
  const state = await loadArchiveState(store).catch(() => null);
  const archived = state ? NETWORKS[state.manifest.network] : undefined;
  if (archived && o.network && o.network !== archived) {
    throw new ArchiveError(
      `${store.location} is a ${archived.name} archive; the blocks are ${o.network.name}`,
    );
  }
  const detected = await detectNetwork(o.blocks, o.xorKey);
  const network = archived ?? o.network ?? detected;
  if (!network) throw new ArchiveError(`${o.blocks}: no block record found`);
  if (detected && detected !== network) {
    throw new ArchiveError(
      `${o.blocks} holds ${detected.name} blocks; ${store.location} is a ${network.name} archive`,
    );
  }
  return network;
}

/**
 * Uncompressed bytes between resume points by default: 32 MiB. A kill redoes at most that much; each
 * resume point costs fsyncs and a snapshot of the pipeline (at 8 MiB they took ≈0.1 core-s per GiB of
 * collect's main thread more).
 */
export const DEFAULT_CHECKPOINT_BYTES = 32 << 20;

/**
 * Runs collect. Resolves with a summary; throws `ArchiveError` for an
 * unusable destination, `ArchiveLockedError` when another run writes the
 * archive, CorruptDataError / ReorgTooDeepError for input the pipeline
 * cannot continue with (nothing already archived is damaged).
 */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  const t0 = performance.now();
  if (typeof options.out === "string" && isS3Url(options.out) && !options.stage) {
    throw new ArchiveError(
      `collect into ${options.out} needs --stage DIR (a local directory: the open chunk is ` +
        `built there, each sealed chunk is uploaded once)`,
    );
  }
  const store = typeof options.out === "string"
    ? openStore(options.out, { stage: options.stage })
    : options.out;
  const network = await resolveNetwork(options, store);
  const startHeight = options.fromHeight ?? 0;
  const target = await openArchiveTarget(store, {
    network,
    stage: options.stage ? new LocalStore(options.stage) : undefined,
    chunkPolicy: options.chunkPolicy,
    frameBytes: options.frameBytes,
    level: options.level,
    startHeight,
    initialPipeline: () => emptySnapshot(network, startHeight),
  });
  try {
    return await run(options, target, network, t0);
  } finally {
    await target.lock.release();
  }
}

async function run(
  options: CollectOptions,
  target: ArchiveTarget,
  network: NetworkParams,
  t0: number,
): Promise<CollectSummary> {
  const store = target.store;
  const snapshot = isPipelineSnapshot(target.state.pipeline) ? target.state.pipeline : null;
  const index = options.checkLevel === "utxo"
    ? await openCollectIndex(
      store,
      network,
      target.state.manifest.startHeight,
      { manifest: target.state.manifest, open: target.state.open, stage: target.stage },
      {
        writeThread: (options.workers ?? 1) > 0 && options.validateOnWorkers !== false, // defaults ≥ 1
        ...options.index,
      },
    )
    : null;
  try {
    return await runCore(options, target, network, t0, snapshot, index);
  } finally {
    index?.indexer.close();
  }
}

async function runCore(
  options: CollectOptions,
  target: ArchiveTarget,
  network: NetworkParams,
  t0: number,
  snapshot: PipelineSnapshot | null,
  index: CollectIndex | null,
): Promise<CollectSummary> {
  const store = target.store;
  const reader = new BlkPositionedReader(options.blocks, options.xorKey);
  const blockPool = index ? undefined : new BufferPool();
  const blkFiles = listBlkFiles(options.blocks);
  const core = new CollectCore({
    network,
    level: options.checkLevel ?? "full",
    depth: options.depth ?? 6,
    includeTip: options.includeTip ?? false,
    toHeight: options.toHeight ?? Number.POSITIVE_INFINITY,
    checkpointBytes: options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
    layout: target.layout,
    position: target.position,
    snapshot,
    tip: snapshot ? null : target.state.manifest.tip,
    fetch: (f, o) => reader.readBlock(f, o),
    lastFile: blkFiles.at(-1)?.number ?? -1,
    now: options.now,
    chainRules: index?.rules,
    // Frames carry the blocks, whose buffers are reused once compressed (not with the chain
    // index, which may still hold them).
    frameBlocks: blockPool !== undefined,
  });
  const onAbort = () => core.requestStop();
  options.signal?.addEventListener("abort", onAbort);
  if (options.signal?.aborted) core.requestStop();
  let writer: ArchiveWriter | undefined;
  const totalBytes = blkFiles.reduce((n, f) => n + f.size, 0);
  const progress = (): CollectProgress => ({
    height: core.nextHeight - 1,
    blocks: writer?.stats.blocks ?? 0,
    readBytes: core.counts.readBytes,
    totalBytes,
    rawBytes: writer?.stats.rawBytes ?? 0,
    storedBytes: writer?.stats.storedBytes ?? 0,
    seconds: (performance.now() - t0) / 1000,
  });
  let lastProgress = 0;
  const tick = new TransformStream<FrameJob, FrameJob>({
    transform(job, controller) {
      controller.enqueue(job);
      if (options.onProgress && performance.now() - lastProgress > 500) {
        lastProgress = performance.now();
        options.onProgress(progress());
      }
    },
  });
  // The costly block checks run on workers ahead of the orderer (at framing and headers: the
  // parse every block must pass, ≈35% of the main thread's time there), and the same workers
  // compress: one set of threads, one heap each (peak RSS on 1.26 GiB with two workers: ≈520 MiB
  // as two pools of two, ≈435 MiB as one).
  const level = options.checkLevel ?? "full";
  const workers = options.workers ?? defaultCollectWorkersHere(level);
  const validation = startValidationPool(
    network,
    options.validateOnWorkers === false ? 0 : workers,
  );
  const validationWorkers = validation.pool?.size ?? 0;
  const zstdLevel = target.state.manifest.zstdLevel;
  // Frames the writer thread has written go back to the workers to compress the next ones into
  // (the pool's workers take them; the in-memory compressors without one do not).
  const frameSpares = validation.pool ? new FrameSpares() : undefined;
  try {
    const events = readBlockEvents(options.blocks, {
      network,
      bufferSize: 8 << 20,
      alloc: blockPool && ((n) => blockPool.take(n)),
      ...(options.xorKey ? { xorKey: options.xorKey } : {}),
      ...(snapshot?.reader ? { start: snapshot.reader } : {}),
    });
    await (validation.pool ? events.pipeThrough(precheckBlocks(validation.pool, level)) : events)
      .pipeThrough(core.stream())
      .pipeThrough(compressFrames({
        workers,
        level: zstdLevel,
        compressor: validation.pool?.frameCompressor(zstdLevel, frameSpares),
        recycle: (raw) => core.recycleFrame(raw),
        recycleBlocks: blockPool && ((blocks) => {
          for (const b of blocks) blockPool.give(b);
        }),
      }))
      .pipeThrough(tick)
      .pipeTo(archiveSink(target, {
        keepLock: true, // parity below still writes; collect releases the lock at the very end
        integrityEvery: options.integrityEvery,
        onOpen: (_, w) => writer = w,
        frameSpares,
      }));
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    reader.close();
    validation.pool?.close();
  }
  // The archive is durable through its tip: the index may now record it.
  index?.indexer.checkpoint();
  const stats = writer!.stats;
  const parity = options.parity ?? {};
  // An archive in object storage: each set is worked on in a copy under the stage directory.
  const place = store instanceof LocalStore
    ? store.root
    : options.stage
    ? stagedParityPlace(store, options.stage)
    : null;
  const paritySets = parity !== false && place !== null
    ? (await protectArchive(place, parity)).created.length
    : null;
  return {
    ...progress(),
    network: network.name,
    tip: writer!.currentManifest.tip,
    resumed: !target.created,
    interrupted: core.interrupted,
    rejected: core.counts.rejected,
    notArchived: core.counts.notArchived,
    skips: core.counts.skips,
    pending: core.pending,
    sealedChunks: stats.sealed,
    checkedFrames: stats.checkedFrames,
    paritySets,
    validationWorkers,
    validationNote: validation.note,
    snapshotBasePending: index?.indexer.pendingSnapshotBase ?? null,
  };
}
