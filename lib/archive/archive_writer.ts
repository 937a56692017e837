/**
 * Writes frames into the archive directory, in order, durably:
 * chunk files in the zstd seekable format (sealed with a seek table when
 * full), the height index, rejects.jsonl, the manifest and the resume state.
 *
 * Durability: frames are appended as they come; at a checkpoint frame the
 * chunk, index and rejects files are fsynced and only then the resume
 * state is replaced (tmp + fsync + rename). A resumed run truncates every
 * file back to the lengths the state records, so a kill at any instant
 * loses at most the frames since the last checkpoint.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { createXXHash64 } from "hash-wasm";
import { zstdDecompressSync } from "node:zlib";
import { ChecksumMismatchError } from "../bytes/errors.ts";
import { readAt, syncDir, writeAll, writeFileAtomic } from "./atomic_file.ts";
import { CompressPool } from "./compress_pool.ts";
import { encodeIndexHeader, INDEX_HEADER_SIZE, INDEX_RECORD_SIZE } from "./height_index.ts";
import { ARCHIVE_PATHS, type ArchiveManifest, type ChunkEntry, chunkFileName } from "./manifest.ts";
import { type ChunkTable, readChunkTable } from "./read_seek_table.ts";
import {
  type OpenChunkState,
  type PipelineSnapshot,
  RESUME_FORMAT,
  type ResumeState,
} from "./resume_state.ts";
import { encodeSeekTable, type SeekEntry } from "./seek_table.ts";

/** One frame to write, produced by the collector. */
export interface FrameJob {
  /** Chunk id. */
  chunk: number;
  /** Uncompressed frame: linearized blk records. */
  raw: Uint8Array;
  /** Height index records of the frame's blocks (128 bytes each). */
  index: Uint8Array;
  /** Blocks in the frame. */
  blocks: number;
  /** First height in the frame. */
  firstHeight: number;
  /** Last height and hash in the frame. */
  lastHeight: number;
  /** Hash (display hex) of the last block. */
  lastHash: string;
  /** rejects.jsonl lines produced before this frame closed. */
  rejects: string;
  /** The chunk is full after this frame. */
  endsChunk: boolean;
  /** Pipeline state to record once this frame is durable (checkpoint frames only). */
  checkpoint: PipelineSnapshot | null;
  /** The frame already compressed (one zstd frame and its content checksum); else the writer compresses. */
  compressed?: { frame: Uint8Array; checksum: number };
}

/** Writer options. */
export interface ArchiveWriterOptions {
  /** Archive directory. */
  out: string;
  /** Faster disk where the open chunk is built (moved to `out` when sealed). */
  stage?: string | undefined;
  /** zstd level. */
  level: number;
  /** Compression workers. */
  workers: number;
  /** Frames in flight (compressing) at most. */
  inflight?: number;
  /** Re-read and check recently written frames every this many blocks (default 10,000). */
  integrityEvery?: number;
}

/** Counters for progress and the final summary. */
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

const OPEN_SUFFIX = ".open";

/** The I/O side of an archive. Create with {@link ArchiveWriter.open}. */
export class ArchiveWriter {
  readonly stats: WriterStats = {
    frames: 0,
    blocks: 0,
    rawBytes: 0,
    storedBytes: 0,
    checkedFrames: 0,
    sealed: 0,
  };
  private pool: CompressPool | undefined;
  private readonly inflight: number;
  private readonly integrityEvery: number;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private slotFreed: (() => void) | undefined;
  private failure: unknown;
  private chunkFile: Deno.FsFile | undefined;
  private hasher: Hash | undefined;
  private hashedBytes = 0;
  private indexFile: Deno.FsFile;
  private rejectsFile: Deno.FsFile;
  private open: OpenChunkState | null;
  private indexRecords: number;
  private rejectsBytes: number;
  private sinceCheck = 0;
  private checkFrom = 0; // first frame of the open chunk not yet re-read

  private constructor(
    readonly options: ArchiveWriterOptions,
    private manifest: ArchiveManifest,
    state: ResumeState | null,
    private pipeline: PipelineSnapshot | null,
  ) {
    // Enough queued frames that the compressors never wait for the main thread.
    this.inflight = options.inflight ?? Math.max(4, 8 * options.workers);
    this.integrityEvery = options.integrityEvery ?? 10_000;
    this.open = state?.open ?? null;
    this.indexRecords = state?.indexRecords ?? 0;
    this.rejectsBytes = state?.rejectsBytes ?? 0;
    const out = options.out;
    const idx = `${out}/${ARCHIVE_PATHS.index}`;
    this.indexFile = Deno.openSync(idx, { read: true, write: true, create: true });
    if (this.indexFile.statSync().size === 0 && this.indexRecords === 0) {
      writeAll(this.indexFile, encodeIndexHeader(manifest.startHeight, manifest.network));
      this.indexFile.syncSync();
    }
    this.indexFile.truncateSync(INDEX_HEADER_SIZE + this.indexRecords * INDEX_RECORD_SIZE);
    this.indexFile.seekSync(0, Deno.SeekMode.End);
    this.rejectsFile = Deno.openSync(`${out}/${ARCHIVE_PATHS.rejects}`, {
      write: true,
      create: true,
    });
    this.rejectsFile.truncateSync(this.rejectsBytes);
    this.rejectsFile.seekSync(0, Deno.SeekMode.End);
    if (this.open) this.resumeOpenChunk(this.open);
  }

  /**
   * Opens (creating the layout if needed) the archive at `options.out`
   * with `manifest` and the resume `state` (null for a new archive).
   */
  static open(
    options: ArchiveWriterOptions,
    manifest: ArchiveManifest,
    state: ResumeState | null,
    pipeline: PipelineSnapshot | null,
  ): ArchiveWriter {
    for (const d of ["chunks", "index", "state"]) {
      Deno.mkdirSync(`${options.out}/${d}`, { recursive: true });
    }
    if (options.stage) Deno.mkdirSync(`${options.stage}/chunks`, { recursive: true });
    return new ArchiveWriter(options, manifest, state, pipeline);
  }

  /** The compression pool, started on first use. */
  private compressor(): CompressPool {
    this.pool ??= new CompressPool(this.options.workers, this.options.level);
    return this.pool;
  }

  /** The manifest as of the last durable checkpoint or seal. */
  get currentManifest(): ArchiveManifest {
    return this.manifest;
  }

  private dirOf(location: "out" | "stage"): string {
    return location === "stage" && this.options.stage ? this.options.stage : this.options.out;
  }

  private openPath(c: OpenChunkState): string {
    return `${this.dirOf(c.location)}/${chunkFileName(c.id)}${OPEN_SUFFIX}`;
  }

  /** After a kill: truncate the open chunk back to its durable length. */
  private resumeOpenChunk(c: OpenChunkState): void {
    const path = this.openPath(c);
    const final = `${this.options.out}/${chunkFileName(c.id)}`;
    try {
      Deno.statSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      // Killed between sealing (rename) and the state update: take the sealed file back.
      Deno.renameSync(final, path);
    }
    try {
      if (c.location === "stage") Deno.removeSync(final); // a copy made before the kill
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    this.chunkFile = Deno.openSync(path, { read: true, write: true });
    this.chunkFile.truncateSync(c.bytes);
    this.chunkFile.seekSync(0, Deno.SeekMode.End);
    this.checkFrom = c.frames.length;
  }

  /** Reopens the manifest's last chunk when it is open (not full) to append to it. */
  private reopenTail(id: number): OpenChunkState | null {
    const last = this.manifest.chunks.at(-1);
    if (!last || !last.open || last.id !== id) return null;
    const final = `${this.options.out}/${last.file}`;
    const f = Deno.openSync(final, { read: true });
    let table: ChunkTable;
    try {
      table = readChunkTable(f, final);
    } finally {
      f.close();
    }
    const c: OpenChunkState = {
      id,
      frames: table.entries,
      bytes: table.framesBytes,
      firstHeight: last.firstHeight,
      blocks: last.blocks,
      rawBytes: last.rawBytes,
      location: "out",
    };
    // Record the reopened chunk before touching its file: a kill from here on resumes through
    // resumeOpenChunk, which takes the sealed file back and cuts its seek table off.
    this.manifest = { ...this.manifest, chunks: this.manifest.chunks.slice(0, -1) };
    this.open = c;
    this.saveState();
    Deno.renameSync(final, this.openPath(c));
    this.chunkFile = Deno.openSync(this.openPath(c), { read: true, write: true });
    this.chunkFile.truncateSync(c.bytes);
    this.chunkFile.seekSync(0, Deno.SeekMode.End);
    this.checkFrom = c.frames.length;
    return c;
  }

  /**
   * Queues a frame: compression starts now (on the pool), writes happen in
   * order. Resolves when the caller may queue more (backpressure).
   */
  async write(job: FrameJob): Promise<void> {
    if (this.failure) throw this.failure;
    const compressed = job.blocks === 0
      ? Promise.resolve(null)
      : job.compressed
      ? Promise.resolve({ ...job.compressed, raw: job.raw })
      : this.compressor().compress(job.raw);
    compressed.catch(() => {});
    this.pending++;
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        const c = await compressed;
        if (c) await this.writeCompressed(job, c.frame, c.checksum, c.raw.length);
        else await this.writeCompressed(job, null, 0, 0);
      } catch (e) {
        this.failure ??= e;
      } finally {
        this.pending--;
        this.slotFreed?.();
      }
    });
    while (this.pending >= this.inflight) {
      await new Promise<void>((resolve) => this.slotFreed = resolve);
      this.slotFreed = undefined;
      if (this.failure) throw this.failure;
    }
  }

  private async writeCompressed(
    job: FrameJob,
    frame: Uint8Array | null,
    checksum: number,
    rawLen: number,
  ): Promise<void> {
    if (frame) {
      this.openChunkFor(job);
      this.ensureHasher();
      this.appendFrame(job, frame, checksum, rawLen);
    }
    if (job.rejects.length > 0) {
      const bytes = new TextEncoder().encode(job.rejects);
      writeAll(this.rejectsFile, bytes);
      this.rejectsBytes += bytes.length;
    }
    if (job.checkpoint || job.endsChunk) {
      this.chunkFile?.syncSync();
      this.indexFile.syncSync();
      this.rejectsFile.syncSync();
      if (this.open && this.sinceCheck >= this.integrityEvery) await this.checkRecentFrames();
      if (job.endsChunk) this.seal(false);
      if (job.checkpoint) this.pipeline = job.checkpoint;
      this.saveState();
    }
  }

  /**
   * The running SHA-256 of the open chunk file; after a resume or a reopened
   * tail, the durable prefix is hashed once from disk.
   */
  private ensureHasher(): Hash {
    if (!this.hasher) {
      this.hasher = createHash("sha256");
      this.hashedBytes = 0;
    }
    const c = this.open!;
    if (this.hashedBytes < c.bytes) {
      const buf = new Uint8Array(4 << 20);
      for (let at = this.hashedBytes; at < c.bytes;) {
        const n = Math.min(buf.length, c.bytes - at);
        readAt(this.chunkFile!, buf.subarray(0, n), at);
        this.hasher.update(buf.subarray(0, n));
        at += n;
      }
      this.hashedBytes = c.bytes;
    }
    return this.hasher;
  }

  private openChunkFor(job: FrameJob): void {
    if (!this.open || this.open.id !== job.chunk) {
      this.open = this.reopenTail(job.chunk) ?? {
        id: job.chunk,
        frames: [],
        bytes: 0,
        firstHeight: job.firstHeight,
        blocks: 0,
        rawBytes: 0,
        location: this.options.stage ? "stage" : "out",
      };
      if (!this.chunkFile) {
        this.chunkFile = Deno.openSync(this.openPath(this.open), {
          read: true,
          write: true,
          create: true,
          truncate: true,
        });
        this.checkFrom = 0;
      }
    }
  }

  private appendFrame(job: FrameJob, frame: Uint8Array, checksum: number, rawLen: number): void {
    const c = this.open!;
    writeAll(this.chunkFile!, frame);
    this.hasher!.update(frame);
    this.hashedBytes += frame.length;
    c.frames.push({ compressed: frame.length, decompressed: rawLen, checksum });
    c.bytes += frame.length;
    c.blocks += job.blocks;
    c.rawBytes += rawLen;
    writeAll(this.indexFile, job.index);
    this.indexRecords += job.blocks;
    this.stats.frames++;
    this.stats.blocks += job.blocks;
    this.stats.rawBytes += rawLen;
    this.stats.storedBytes += frame.length;
    this.sinceCheck += job.blocks;
    this.manifest = { ...this.manifest, tip: { height: job.lastHeight, hash: job.lastHash } };
  }

  /** Periodic integrity check: re-read and decompress the frames written since the last check. */
  private async checkRecentFrames(): Promise<void> {
    const c = this.open!;
    const xxh = await createXXHash64();
    let offset = 0;
    for (let i = 0; i < c.frames.length; i++) {
      const e = c.frames[i]!;
      if (i >= this.checkFrom) {
        const buf = new Uint8Array(e.compressed);
        readAt(this.chunkFile!, buf, offset);
        verifyFrame(buf, e, xxh, `${this.openPath(c)} frame ${i}`);
        this.stats.checkedFrames++;
      }
      offset += e.compressed;
    }
    this.checkFrom = c.frames.length;
    this.sinceCheck = 0;
  }

  /** Appends the seek table, checks, hashes and moves the open chunk into place. */
  private seal(openTail: boolean): void {
    const c = this.open!;
    const f = this.chunkFile!;
    const hasher = this.ensureHasher();
    const table = encodeSeekTable(c.frames);
    writeAll(f, table);
    f.syncSync();
    hasher.update(table);
    const size = c.bytes + table.length;
    const sha256 = hasher.digest("hex");
    this.hasher = undefined;
    this.hashedBytes = 0;
    f.close();
    this.chunkFile = undefined;
    const from = this.openPath(c);
    const final = `${this.options.out}/${chunkFileName(c.id)}`;
    if (c.location === "stage") {
      Deno.copyFileSync(from, `${final}.tmp`);
      const t = Deno.openSync(`${final}.tmp`, { read: true, write: true });
      t.syncSync();
      t.close();
      Deno.renameSync(`${final}.tmp`, final);
      syncDir(`${this.options.out}/chunks`);
      Deno.removeSync(from);
    } else {
      Deno.renameSync(from, final);
      syncDir(`${this.options.out}/chunks`);
    }
    const entry: ChunkEntry = {
      id: c.id,
      file: chunkFileName(c.id),
      firstHeight: c.firstHeight,
      lastHeight: c.firstHeight + c.blocks - 1,
      blocks: c.blocks,
      frames: c.frames.length,
      rawBytes: c.rawBytes,
      storedBytes: size,
      sha256,
      open: openTail,
    };
    this.manifest = { ...this.manifest, chunks: [...this.manifest.chunks, entry] };
    this.open = null;
    this.stats.sealed++;
    writeFileAtomic(`${this.options.out}/${ARCHIVE_PATHS.manifest}`, manifestJson(this.manifest));
  }

  /**
   * Starts a new archive at `out`: the resume state is written first (so a
   * kill at any later instant leaves a resumable archive), then the manifest.
   */
  static create(out: string, manifest: ArchiveManifest, pipeline: PipelineSnapshot | null): void {
    Deno.mkdirSync(`${out}/state`, { recursive: true });
    const state: ResumeState = {
      format: RESUME_FORMAT,
      version: 1,
      manifest,
      open: null,
      indexRecords: 0,
      rejectsBytes: 0,
      pipeline,
    };
    writeFileAtomic(`${out}/${ARCHIVE_PATHS.state}`, JSON.stringify(state));
    writeFileAtomic(`${out}/${ARCHIVE_PATHS.manifest}`, manifestJson(manifest));
  }

  private saveState(): void {
    const state: ResumeState = {
      format: RESUME_FORMAT,
      version: 1,
      manifest: this.manifest,
      open: this.open,
      indexRecords: this.indexRecords,
      rejectsBytes: this.rejectsBytes,
      pipeline: this.pipeline,
    };
    writeFileAtomic(`${this.options.out}/${ARCHIVE_PATHS.state}`, JSON.stringify(state));
  }

  /**
   * Waits for every queued frame, then (when `finalCheckpoint` is given, or
   * `seal` is true) seals the open chunk as the archive's open tail and
   * records the state.
   */
  async finish(
    finalCheckpoint: PipelineSnapshot | null,
    seal = finalCheckpoint !== null,
  ): Promise<void> {
    try {
      await this.queue;
      if (this.failure) throw this.failure;
      if (seal) {
        this.chunkFile?.syncSync();
        this.indexFile.syncSync();
        this.rejectsFile.syncSync();
        if (this.open && this.open.frames.length > 0) this.seal(true);
        this.pipeline = finalCheckpoint;
        this.saveState();
        writeFileAtomic(
          `${this.options.out}/${ARCHIVE_PATHS.manifest}`,
          manifestJson(this.manifest),
        );
      }
    } finally {
      this.close();
    }
  }

  /** Releases files and workers (without writing anything). */
  close(): void {
    this.pool?.close();
    for (const f of [this.chunkFile, this.indexFile, this.rejectsFile]) {
      try {
        f?.close();
      } catch {
        // already closed
      }
    }
    this.chunkFile = undefined;
  }
}

/** The manifest as written (stable key order, trailing newline). */
export function manifestJson(m: ArchiveManifest): string {
  return JSON.stringify(m, null, 2) + "\n";
}

/** Decompresses one frame and checks its size and XXH64 against its seek entry. */
export function verifyFrame(
  frame: Uint8Array,
  entry: SeekEntry,
  xxh: Awaited<ReturnType<typeof createXXHash64>>,
  what: string,
): Uint8Array {
  const raw = zstdDecompressSync(frame);
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length !== entry.decompressed) {
    throw new ChecksumMismatchError(what, `${entry.decompressed} bytes`, `${bytes.length} bytes`);
  }
  xxh.init();
  xxh.update(bytes);
  const d = xxh.digest("binary");
  const low = ((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0;
  if (low !== entry.checksum) {
    throw new ChecksumMismatchError(what, entry.checksum.toString(16), low.toString(16));
  }
  return bytes;
}
