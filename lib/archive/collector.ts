/**
 * The main job: blocks directory → ordered → validated → framed →
 * compressed → archive, resumable at any instant.
 *
 * The reader, chain orderer, validator and frame builder run synchronously
 * in one loop, so the pipeline state captured when a checkpoint frame
 * closes describes exactly the blocks in and before that frame;
 * compression runs on worker threads and the writer records the state only
 * after the frame is durable. Resuming restores that state, truncates the
 * files to their durable lengths and continues: the finished archive is
 * byte-identical to an uninterrupted run.
 *
 * @module
 */

import { hashToHex } from "../bytes/hex.ts";
import { type NetworkName, type NetworkParams, NETWORKS } from "../bitcoin/network.ts";
import { ChainOrderer, type ChainReport, type OrderedBlock } from "../chain/chain_orderer.ts";
import { blkFileName, listBlkFiles } from "../source/blk_files.ts";
import { BlkPositionedReader } from "../source/blk_positioned_reader.ts";
import { type BlockEvent, detectNetwork, readBlockEvents } from "../source/block_records.ts";
import { BlockChecker, type CheckLevel } from "../validate/check_block.ts";
import { HeaderChain } from "../validate/header_chain.ts";
import type { BlockRejection } from "../validate/reject.ts";
import { SequentialValidator } from "../validate/validate_blocks.ts";
import { ArchiveWriter, type FrameJob } from "./archive_writer.ts";
import { FrameBuilder } from "./frame_builder.ts";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_PATHS,
  ARCHIVE_VERSION,
  ArchiveError,
  type ArchiveManifest,
  chunkIsFull,
  type ChunkPolicy,
} from "./manifest.ts";
import { type PipelineSnapshot, RESUME_FORMAT, type ResumeState } from "./resume_state.ts";

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Bitcoin Core blocks directory. */
  blocks: string;
  /** Archive directory (created, resumed or extended). */
  out: string;
  /** Build the open chunk here and move it to `out` when sealed. */
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
  /** Compression workers (default 2). */
  workers?: number;
  /** Uncompressed bytes between checkpoints (default 8 MiB). */
  checkpointBytes?: number;
  /** Re-read and check written frames every this many blocks (default 10,000). */
  integrityEvery?: number;
  /** Aborting stops at the next frame boundary (SIGINT). */
  signal?: AbortSignal | undefined;
  /** Progress callback (about twice a second). */
  onProgress?: ((p: CollectProgress) => void) | undefined;
  /** Clock for the time-too-new rule (tests). */
  now?: () => number;
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
}

/**
 * True when `path` is missing, empty, or holds only what a run killed
 * before recording its first state leaves behind (an empty `state/` or a
 * temporary state file): the state is the first thing a new archive writes.
 */
function isFreshDir(path: string): boolean {
  try {
    for (const e of Deno.readDirSync(path)) {
      if (e.name !== "state" || !e.isDirectory) return false;
      for (const f of Deno.readDirSync(`${path}/state`)) if (!f.name.endsWith(".tmp")) return false;
    }
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    if (e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as T;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    if (e instanceof SyntaxError) throw new ArchiveError(`${path} is damaged: ${e.message}`);
    throw e;
  }
}

/** Loads the resume state of `out`, or null for a new archive; rejects non-archives. */
export function loadArchiveState(out: string): ResumeState | null {
  const state = readJson<ResumeState>(`${out}/${ARCHIVE_PATHS.state}`);
  if (state) {
    if (state.format !== RESUME_FORMAT || state.manifest?.format !== ARCHIVE_FORMAT) {
      throw new ArchiveError(`${out}/${ARCHIVE_PATHS.state} is not a blkpipe resume file`);
    }
    return state;
  }
  if (readJson(`${out}/${ARCHIVE_PATHS.manifest}`) !== undefined) {
    throw new ArchiveError(
      `${out} has a manifest but no ${ARCHIVE_PATHS.state}: cannot extend it safely`,
    );
  }
  if (!isFreshDir(out)) {
    throw new ArchiveError(
      `${out} is not empty and is not a blkpipe archive: choose a new or empty directory`,
    );
  }
  return null;
}

function rejectLine(r: Record<string, unknown>): string {
  return JSON.stringify(r) + "\n";
}

/**
 * Runs collect. Resolves with a summary; throws {@link ArchiveError} for an
 * unusable destination, CorruptDataError / ReorgTooDeepError for input the
 * pipeline cannot continue with (nothing already archived is damaged).
 */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  const t0 = performance.now();
  const out = options.out;
  const state = loadArchiveState(out);
  const xorKey = options.xorKey;
  let network = options.network;
  if (state && state.pipeline === null) {
    throw new ArchiveError(
      `${out} was written with the stream API (archiveSink): collect cannot resume or extend it`,
    );
  }
  if (state) {
    const archived = NETWORKS[state.manifest.network];
    if (network && network !== archived) {
      throw new ArchiveError(
        `${out} is a ${archived.name} archive; the blocks are ${network.name}`,
      );
    }
    network = archived;
  }
  const detected = await detectNetwork(options.blocks, xorKey);
  if (!network) network = detected;
  if (!network) throw new ArchiveError(`${options.blocks}: no block record found`);
  if (detected && detected !== network) {
    throw new ArchiveError(
      `${options.blocks} holds ${detected.name} blocks; ${out} is a ${network.name} archive`,
    );
  }
  const manifest: ArchiveManifest = state?.manifest ?? {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    network: network.name,
    startHeight: options.fromHeight ?? 0,
    chunkPolicy: options.chunkPolicy ?? { blocks: 125_000 },
    frameBytes: options.frameBytes ?? 2 << 20,
    zstdLevel: options.level ?? 3,
    chunks: [],
    tip: null,
  };
  const depth = options.depth ?? 6;
  const level = options.checkLevel ?? "full";
  const reader = new BlkPositionedReader(options.blocks, xorKey);
  const reports: string[] = [];
  let notArchived = 0, skips = 0, rejected = 0;
  const orderer = new ChainOrderer({
    network,
    depth,
    fetch: (f, o) => reader.readBlock(f, o),
    onReport: (r: ChainReport) => {
      notArchived++;
      reports.push(
        rejectLine({
          kind: r.kind,
          hash: r.hash,
          height: r.height,
          file: blkFileName(r.file),
          offset: r.offset,
        }),
      );
    },
  });
  const headers = new HeaderChain(network, options.now);
  const pipe = state?.pipeline;
  if (pipe) {
    orderer.restore(pipe.orderer);
    headers.restore(pipe.headers);
  }
  const validator = new SequentialValidator({
    network,
    level,
    headerChain: headers,
    rejected: pipe?.rejected ?? null,
    onReject: (r: BlockRejection) => {
      rejected++;
      reports.push(
        rejectLine({ kind: "invalid", ...r, file: r.file < 0 ? null : blkFileName(r.file) }),
      );
    },
  });
  const checker = new BlockChecker(network);
  if (!state) {
    ArchiveWriter.create(out, manifest, emptySnapshot(orderer, headers, manifest.startHeight));
  }
  const writer = ArchiveWriter.open(
    {
      out,
      stage: options.stage,
      level: manifest.zstdLevel,
      workers: options.workers ?? 2,
      ...(options.integrityEvery !== undefined ? { integrityEvery: options.integrityEvery } : {}),
    },
    manifest,
    state,
    pipe ?? emptySnapshot(orderer, headers, manifest.startHeight),
  );

  // Chunk position, restored from the state (or the open tail of the manifest).
  const lastChunk = manifest.chunks.at(-1);
  let chunkId: number, chunkBlocks: number, chunkRaw: number, chunkFrames: number;
  if (state?.open) {
    ({ id: chunkId, blocks: chunkBlocks, rawBytes: chunkRaw } = state.open);
    chunkFrames = state.open.frames.length;
  } else if (lastChunk?.open) {
    ({ id: chunkId, blocks: chunkBlocks, rawBytes: chunkRaw, frames: chunkFrames } = lastChunk);
  } else {
    chunkId = lastChunk ? lastChunk.id + 1 : 0;
    chunkBlocks = chunkRaw = chunkFrames = 0;
  }
  let nextHeight = pipe?.nextHeight ?? manifest.startHeight;
  let tipHash = pipe?.tipHash ?? null;
  let frameFirst = nextHeight;
  let sinceCheckpoint = 0;
  const frames = new FrameBuilder(network.magic);
  const jobs: FrameJob[] = [];
  const policy = manifest.chunkPolicy;
  const toHeight = options.toHeight ?? Number.POSITIVE_INFINITY;
  // Where a later run continues: after the last record or reported skip.
  let readerPos = pipe?.reader ?? null;
  const tail: string[] = []; // held skips at the end of the newest file (see below)
  let lastCheckpoint: PipelineSnapshot = pipe ??
    emptySnapshot(orderer, headers, manifest.startHeight);
  let stopAtFrame = false;
  let stopped = false;
  const onAbort = () => stopAtFrame = true;
  options.signal?.addEventListener("abort", onAbort);
  if (options.signal?.aborted) stopAtFrame = true;

  const snapshot = (): PipelineSnapshot => ({
    nextHeight,
    tipHash,
    reader: readerPos,
    orderer: orderer.snapshot(),
    headers: headers.snapshot(),
    rejected: validator.firstRejection,
  });

  const closeFrame = (force: boolean) => {
    const chunkFull = chunkIsFull(policy, chunkBlocks, chunkRaw);
    if (!force && frames.rawSize < manifest.frameBytes && !chunkFull) return;
    if (frames.blocks === 0 && (reports.length === 0 || !force)) return;
    const built = frames.take();
    sinceCheckpoint += built.raw.length;
    const checkpoint = force || chunkFull || stopAtFrame ||
      sinceCheckpoint >= (options.checkpointBytes ?? 8 << 20);
    if (checkpoint) sinceCheckpoint = 0;
    const snap = checkpoint ? snapshot() : null;
    if (snap) lastCheckpoint = snap;
    jobs.push({
      chunk: chunkId,
      raw: built.raw,
      index: built.index,
      blocks: built.blocks,
      firstHeight: frameFirst,
      lastHeight: nextHeight - 1,
      lastHash: tipHash ?? "",
      rejects: reports.splice(0).join(""),
      endsChunk: chunkFull,
      checkpoint: snap,
    });
    if (built.blocks > 0) chunkFrames++;
    frameFirst = nextHeight;
    if (chunkFull) {
      chunkId++;
      chunkBlocks = chunkRaw = chunkFrames = 0;
    }
    if (stopAtFrame) stopped = true;
  };

  const onBlock = (b: OrderedBlock) => {
    if (stopped || b.height > toHeight) {
      stopped = true;
      return;
    }
    const failure = checker.check(b.bytes, b.hash, b.height, level);
    if (!validator.accept({ ...b, failure })) return;
    if (b.height < manifest.startHeight) return; // validated for context, not archived
    frames.add(b.bytes, b.hash, chunkId, chunkFrames);
    chunkBlocks++;
    chunkRaw += 8 + b.bytes.length;
    nextHeight = b.height + 1;
    tipHash = hashToHex(b.hash);
    if (b.height >= toHeight) stopped = true;
    closeFrame(stopped);
  };

  const blkFiles = listBlkFiles(options.blocks);
  const totalBytes = blkFiles.reduce((n, f) => n + f.size, 0);
  const lastFile = blkFiles.at(-1)?.number ?? -1;
  let readBytes = 0;
  let lastProgress = 0;
  const progress = (): CollectProgress => ({
    height: nextHeight - 1,
    blocks: writer.stats.blocks,
    readBytes,
    totalBytes,
    rawBytes: writer.stats.rawBytes,
    storedBytes: writer.stats.storedBytes,
    seconds: (performance.now() - t0) / 1000,
  });

  let interrupted = false;
  try {
    if (pipe) orderer.resume(onBlock);
    const readOpts: Parameters<typeof readBlockEvents>[1] = { network, bufferSize: 8 << 20 };
    if (xorKey) readOpts.xorKey = xorKey;
    if (pipe?.reader) readOpts.start = pipe.reader;
    const events = readBlockEvents(options.blocks, readOpts);
    for await (const e of events as AsyncIterable<BlockEvent>) {
      if (stopped) break;
      if (e.kind === "block") {
        if (tail.length > 0) {
          skips += tail.length;
          reports.push(...tail.splice(0));
        }
        readBytes += 8 + e.bytes.length;
        readerPos = { file: e.file, offset: e.offset + 8 + e.bytes.length };
        orderer.add(e, onBlock);
      } else {
        readBytes += e.length;
        if (e.reason === "padding") continue;
        const { reason, offset, length, detail } = e;
        const line = rejectLine({
          kind: "skip",
          reason,
          file: blkFileName(e.file),
          offset,
          length,
          detail,
        });
        // A record cut short in the newest file is most likely still being written: hold it and
        // whatever follows it in that file; a later record proves it was damage after all.
        if (e.file === lastFile && (reason === "truncated" || tail.length > 0)) {
          tail.push(line);
          continue;
        }
        skips++;
        readerPos = { file: e.file, offset: offset + length };
        reports.push(line);
      }
      for (const job of jobs.splice(0)) await writer.write(job);
      if (options.onProgress && performance.now() - lastProgress > 500) {
        lastProgress = performance.now();
        options.onProgress(progress());
      }
    }
    interrupted = stopped && stopAtFrame;
    // Blocks not yet buried `depth` deep stay pending (a later run archives them once final),
    // unless the caller knows the block set is final.
    if (!interrupted && !stopped && options.includeTip) orderer.flushBest(onBlock, () => stopped);
    if (!interrupted) closeFrame(true);
    for (const job of jobs.splice(0)) await writer.write(job);
    // After a stop (SIGINT, --to-height) the last checkpoint describes exactly what is archived
    // (blocks emitted after it are not); after a complete run everything emitted is archived.
    await writer.finish(interrupted ? null : stopped ? lastCheckpoint : snapshot());
  } catch (e) {
    writer.close();
    throw e;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    reader.close();
  }
  const m = writer.currentManifest;
  return {
    ...progress(),
    network: network.name,
    tip: m.tip,
    resumed: state !== null,
    interrupted,
    rejected,
    notArchived,
    skips,
    pending: orderer.orphanCount,
    sealedChunks: writer.stats.sealed,
    checkedFrames: writer.stats.checkedFrames,
  };
}

function emptySnapshot(
  orderer: ChainOrderer,
  headers: HeaderChain,
  start: number,
): PipelineSnapshot {
  return {
    nextHeight: start,
    tipHash: null,
    reader: null,
    orderer: orderer.snapshot(),
    headers: headers.snapshot(),
    rejected: null,
  };
}
