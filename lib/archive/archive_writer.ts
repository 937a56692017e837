/**
 * Writes compressed frames into an archive, in order, durably: the chunk
 * files (through {@link ChunkWriter}), the height index, rejects.jsonl, the
 * manifest and the resume record.
 *
 * Durability: frames are appended as they come; at a resume point (a job
 * with a checkpoint, or the end of a chunk) the chunk, index and rejects
 * files are fsynced and only then the resume record is replaced atomically.
 * A resumed run truncates every file back to the lengths the record gives,
 * so a kill at any instant loses at most the frames since the last resume
 * point.
 *
 * @module
 */

import type { FrameSpares } from "./frame_spares.ts";
import type { AppendFile, Store } from "../store/store.ts";
import { ChunkWriter } from "./chunk_writer.ts";
import type { FrameJob } from "./frame_job.ts";
import { encodeIndexHeader, INDEX_HEADER_SIZE, INDEX_RECORD_SIZE } from "./height_index.ts";
import { ARCHIVE_PATHS, type ArchiveManifest, manifestJson } from "./manifest.ts";
import { encodeResumeState, RESUME_FORMAT, type ResumeState } from "./resume_record.ts";
import { OPEN_FRAMES_PATH } from "./open_frames.ts";

/** Counters for progress and summaries. */
export interface WriterStats {
  /** Frames written this run. */
  frames: number;
  /** Blocks written this run. */
  blocks: number;
  /** Uncompressed bytes written this run. */
  rawBytes: number;
  /** Compressed bytes written this run. */
  storedBytes: number;
  /** Frames re-read by the periodic integrity check. */
  checkedFrames: number;
  /** Chunks sealed this run. */
  sealed: number;
}

/** Options of {@link ArchiveWriter.open}. */
export interface ArchiveWriterOptions {
  /** Where the open chunk is built (a faster local disk); sealed chunks move to the archive. */
  stage?: Store | undefined;
  /** Re-read and check recently written frames every this many blocks (default 10,000). */
  integrityEvery?: number | undefined;
  /** Append and hash the chunk on a writer thread (default true; false: on the calling thread). */
  writerThread?: boolean | undefined;
  /** Where the writer thread gives compressed frames back once written, for reuse. */
  frameSpares?: FrameSpares | undefined;
}

/** Records a new, empty archive: the resume record first (so a kill leaves it resumable). */
export async function createArchive(
  store: Store,
  manifest: ArchiveManifest,
  pipeline: unknown,
): Promise<ResumeState> {
  const state: ResumeState = {
    format: RESUME_FORMAT,
    version: 2,
    manifest,
    open: null,
    indexRecords: 0,
    rejectsBytes: 0,
    pipeline,
  };
  await store.replace(ARCHIVE_PATHS.state, encodeResumeState(state));
  await store.replace(ARCHIVE_PATHS.manifest, manifestJson(manifest));
  return state;
}

/** The writing side of an archive. Create with {@link ArchiveWriter.open}. */
export class ArchiveWriter {
  /** Counters of this run. */
  readonly stats: WriterStats = {
    frames: 0,
    blocks: 0,
    rawBytes: 0,
    storedBytes: 0,
    checkedFrames: 0,
    sealed: 0,
  };
  private readonly chunk: ChunkWriter;
  private manifest: ArchiveManifest;
  private pipeline: unknown;
  private indexRecords: number;
  private rejectsBytes: number;
  private sinceCheck = 0;
  private lastCheckpoint: unknown = null;

  private constructor(
    readonly store: Store,
    state: ResumeState,
    private readonly index: AppendFile,
    private readonly rejects: AppendFile,
    private readonly integrityEvery: number,
    stage: Store | undefined,
    writerThread: boolean,
    spares: FrameSpares | undefined,
  ) {
    this.manifest = state.manifest;
    this.pipeline = state.pipeline;
    this.indexRecords = state.indexRecords;
    this.rejectsBytes = state.rejectsBytes;
    this.chunk = new ChunkWriter(store, stage, writerThread, spares);
  }

  /** Opens the archive recorded by `state` for appending, cutting files to their durable lengths. */
  static async open(
    store: Store,
    state: ResumeState,
    options: ArchiveWriterOptions = {},
  ): Promise<ArchiveWriter> {
    const index = await store.openAppend(ARCHIVE_PATHS.index);
    if (index.length === 0 && state.indexRecords === 0) {
      index.append(encodeIndexHeader(state.manifest.startHeight, state.manifest.network));
      await index.sync();
    }
    index.truncate(INDEX_HEADER_SIZE + state.indexRecords * INDEX_RECORD_SIZE);
    const rejects = await store.openAppend(ARCHIVE_PATHS.rejects, state.rejectsBytes);
    const w = new ArchiveWriter(
      store,
      state,
      index,
      rejects,
      options.integrityEvery ?? 10_000,
      options.stage,
      options.writerThread ?? true,
      options.frameSpares,
    );
    if (state.open) await w.chunk.resume(state.open);
    return w;
  }

  /** The manifest as of the last frame written. */
  get currentManifest(): ArchiveManifest {
    return this.manifest;
  }

  /**
   * Writes one job (its frame must be compressed unless it holds no block). The compressed
   * frame's buffer is given away (transferred to the writer thread): do not use it afterwards.
   */
  async write(job: FrameJob): Promise<void> {
    if (job.blocks > 0) {
      if (!job.compressed) throw new TypeError("ArchiveWriter.write needs compressed frames");
      await this.openChunkFor(job);
      const { frame, checksum, rawBytes } = job.compressed;
      this.stats.storedBytes += frame.length;
      await this.chunk.append(frame, checksum, rawBytes, job.blocks); // gives the frame away
      this.index.append(job.index);
      this.indexRecords += job.blocks;
      this.stats.frames++;
      this.stats.blocks += job.blocks;
      this.stats.rawBytes += rawBytes;
      this.sinceCheck += job.blocks;
      this.manifest = { ...this.manifest, tip: { height: job.lastHeight, hash: job.lastHash } };
    }
    if (job.rejects.length > 0) {
      const bytes = new TextEncoder().encode(job.rejects);
      this.rejects.append(bytes);
      this.rejectsBytes += bytes.length;
    }
    const checkpoint = job.checkpoint ?? null; // undefined (a hand-built job) is no resume point
    this.lastCheckpoint = checkpoint;
    // Data written without a snapshot goes beyond the last one: no state saved from now on may
    // name it (a kill would resume from it and archive its blocks twice).
    if (checkpoint === null && (job.blocks > 0 || job.rejects.length > 0)) this.pipeline = null;
    if (checkpoint !== null || job.endsChunk) {
      await this.syncAll();
      if (this.chunk.state && this.sinceCheck >= this.integrityEvery) {
        this.stats.checkedFrames += await this.chunk.checkRecent();
        this.sinceCheck = 0;
      }
      if (job.endsChunk) await this.seal(false);
      if (checkpoint !== null) this.pipeline = checkpoint;
      await this.saveState();
      if (job.endsChunk) await this.store.remove(OPEN_FRAMES_PATH); // no record names it now
    }
  }

  private async openChunkFor(job: FrameJob): Promise<void> {
    if (this.chunk.state?.id === job.chunk) return;
    const last = this.manifest.chunks.at(-1);
    if (last?.open && last.id === job.chunk) {
      await this.chunk.reopen(last, () => {
        this.manifest = { ...this.manifest, chunks: this.manifest.chunks.slice(0, -1) };
        return this.saveState();
      });
    } else await this.chunk.start(job.chunk, job.firstHeight);
  }

  private async syncAll(): Promise<void> {
    await Promise.all([this.chunk.sync(), this.index.sync(), this.rejects.sync()]);
  }

  private async seal(openTail: boolean): Promise<void> {
    const entry = await this.chunk.seal(openTail);
    this.manifest = { ...this.manifest, chunks: [...this.manifest.chunks, entry] };
    this.stats.sealed++;
    await this.store.replace(ARCHIVE_PATHS.manifest, manifestJson(this.manifest));
  }

  private saveState(): Promise<void> {
    const state: ResumeState = {
      format: RESUME_FORMAT,
      version: 1,
      manifest: this.manifest,
      open: this.chunk.state,
      indexRecords: this.indexRecords,
      rejectsBytes: this.rejectsBytes,
      pipeline: this.pipeline,
    };
    return this.store.replace(ARCHIVE_PATHS.state, encodeResumeState(state));
  }

  /**
   * Ends a run: seals the open chunk as the archive's open tail and records the state. The
   * pipeline snapshot kept is the last job's checkpoint when the last job carried one, else none
   * (the data then goes beyond any snapshot; a writer that needs one re-reads its input).
   */
  async finish(): Promise<void> {
    try {
      await this.syncAll();
      if (this.chunk.state && this.chunk.state.frames.length > 0) await this.seal(true);
      this.pipeline = this.lastCheckpoint;
      await this.saveState();
      if (this.chunk.state === null) await this.store.remove(OPEN_FRAMES_PATH);
      await this.store.replace(ARCHIVE_PATHS.manifest, manifestJson(this.manifest));
    } finally {
      this.close();
    }
  }

  /** Releases files without writing anything more (after an error). */
  close(): void {
    this.chunk.close();
    this.index.close();
    this.rejects.close();
  }
}
