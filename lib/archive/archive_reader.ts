/**
 * Random access into an archive: height → index record → one frame read
 * and decompressed (never the whole chunk), through the chunk's seek table.
 * Deno's node:zlib decodes only the first frame of multi-frame input, so
 * every read goes frame by frame. Reads go through a {@link Store}, and a
 * reader never takes the writer lock: it sees the manifest and index as of
 * the writer's last completed update.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import { bytesEqual } from "../bytes/hex.ts";
import { RECORD_HEADER_SIZE, recordSize } from "../bitcoin/blk_record.ts";
import { openStore } from "../store/open_store.ts";
import { ByteLru } from "../bytes/byte_lru.ts";
import type { Store } from "../store/store.ts";
import { decompressFrame, type FrameWhere } from "./frame_codec.ts";
import {
  decodeIndexHeader,
  decodeIndexRecord,
  INDEX_HEADER_SIZE,
  INDEX_RECORD_SIZE,
  type IndexHeader,
  indexOffset,
  type IndexRecord,
} from "./height_index.ts";
import { ARCHIVE_PATHS, type ArchiveManifest, chunkFileName, parseManifest } from "./manifest.ts";
import { type ChunkTable, readChunkTable } from "./read_seek_table.ts";
import type { OpenChunkState } from "./resume_record.ts";

const HINT =
  "run `deno task verify` on the archive (and `deno task parity repair` if it has parity)";

/** Where a frame is stored. */
export interface FrameSource {
  store: Store;
  /** Path in `store`. */
  file: string;
  offset: number;
  /** Compressed bytes. */
  length: number;
  /** Frame number in its chunk. */
  frame: number;
}

/** A chunk whose seek table cannot be read, as one line that says what to do. */
function damagedChunk(e: unknown, id: number): unknown {
  if (e instanceof CorruptDataError) {
    const detail = e.message.replace(/^.*?\): /, "");
    return new CorruptDataError(e.code, `chunk ${id} is damaged (${detail}): ${HINT}`, {
      offset: e.offset,
      field: e.field,
      ...(e.file !== undefined ? { file: e.file } : {}),
    });
  }
  if (e instanceof Deno.errors.NotFound) return new Deno.errors.NotFound(`${e.message}: ${HINT}`);
  return e;
}

/** What a writer's resume record says is durable: read as of it instead of manifest.json. */
export interface ReaderAsOf {
  manifest: ArchiveManifest;
  /** The open chunk's durable frames. */
  open?: OpenChunkState | null;
  /** Where an open chunk with location "stage" lives. */
  stage?: Store | undefined;
}

/** Reads blocks back from an archive. */
export class ArchiveReader {
  private readonly chunks = new Map<number, ChunkTable>();
  private openChunk: { id: number; store: Store; file: string } | null = null;
  private readonly lru = new ByteLru<string, Uint8Array>(0);
  /** Keep up to this many bytes of decompressed frames (least recently used out; 0: the last one only). */
  get cacheBytes(): number {
    return this.lru.maxBytes;
  }
  set cacheBytes(bytes: number) {
    this.lru.maxBytes = bytes;
  }
  private frameKey = "";
  private frameBytes: Uint8Array = new Uint8Array(0);

  private constructor(
    readonly store: Store,
    readonly manifest: ArchiveManifest,
    /** Index header. */
    readonly indexHeader: IndexHeader,
  ) {}

  /**
   * Opens the archive in `store` (or a directory path): reads the manifest and the index header.
   *
   * @example
   * ```ts ignore
   * const reader = await ArchiveReader.open("/mnt/archive/btc");
   * const block = await reader.readBlock(170);
   * reader.close();
   * ```
   */
  static async open(store: Store | string, asOf?: ReaderAsOf): Promise<ArchiveReader> {
    const s = typeof store === "string" ? openStore(store) : store;
    const mpath = s.describe(ARCHIVE_PATHS.manifest);
    let manifest = asOf?.manifest;
    if (!manifest) {
      const text = await s.read(ARCHIVE_PATHS.manifest);
      if (text === null) throw new Deno.errors.NotFound(`${mpath}: no archive here (no manifest)`);
      manifest = parseManifest(new TextDecoder().decode(text), mpath);
    }
    const head = await s.readAt(ARCHIVE_PATHS.index, 0, INDEX_HEADER_SIZE);
    const reader = new ArchiveReader(
      s,
      manifest,
      decodeIndexHeader(head, s.describe(ARCHIVE_PATHS.index)),
    );
    const open = asOf?.open;
    if (open) {
      // The open chunk's durable frames, as the resume record lists them.
      const offsets = new Float64Array(open.frames.length);
      let at = 0;
      open.frames.forEach((f, i) => {
        offsets[i] = at;
        at += f.compressed;
      });
      reader.chunks.set(open.id, { entries: open.frames, offsets, framesBytes: at, size: at });
      const store = open.location === "stage" ? asOf.stage ?? s : s;
      // Still open (".open"), or sealed by a run killed before its next resume point.
      const name = chunkFileName(open.id);
      const file = (await store.size(`${name}.open`)) !== null ? `${name}.open` : name;
      reader.openChunk = { id: open.id, store, file };
    }
    return reader;
  }

  /** First archived height. */
  get startHeight(): number {
    return this.manifest.startHeight;
  }

  /** Last archived height (startHeight - 1 when empty). */
  get tipHeight(): number {
    return this.manifest.tip ? this.manifest.tip.height : this.startHeight - 1;
  }

  /** Number of archived heights. */
  get count(): number {
    return this.tipHeight - this.startHeight + 1;
  }

  /** The index record of `height`. */
  async record(height: number): Promise<IndexRecord> {
    if (height < this.startHeight || height > this.tipHeight) {
      throw new RangeError(
        `Height ${height} is not in the archive (${this.startHeight}..${this.tipHeight})`,
      );
    }
    const at = indexOffset(height, this.startHeight);
    return decodeIndexRecord(await this.store.readAt(ARCHIVE_PATHS.index, at, INDEX_RECORD_SIZE));
  }

  /** Height of the block with `hash` (internal byte order), or -1. Scans the index. */
  async findHeight(hash: Uint8Array): Promise<number> {
    const batch = 8192;
    for (let h = this.startHeight; h <= this.tipHeight; h += batch) {
      const n = Math.min(batch, this.tipHeight - h + 1);
      const at = indexOffset(h, this.startHeight);
      const view = await this.store.readAt(ARCHIVE_PATHS.index, at, n * INDEX_RECORD_SIZE);
      for (let i = 0; i < n; i++) {
        const o = i * INDEX_RECORD_SIZE + 16;
        if (bytesEqual(view.subarray(o, o + 32), hash)) return h + i;
      }
    }
    return -1;
  }

  /** The chunk's seek table (cached). */
  async chunk(id: number): Promise<ChunkTable> {
    let c = this.chunks.get(id);
    if (c) return c;
    const entry = this.manifest.chunks.find((x) => x.id === id);
    if (!entry) throw new RangeError(`Chunk ${id} is not in the manifest`);
    try {
      c = await readChunkTable(this.store, entry.file);
    } catch (e) {
      throw damagedChunk(e, id);
    }
    this.chunks.set(id, c);
    return c;
  }

  /** The index records of `count` heights from `height` (one read). */
  async records(height: number, count: number): Promise<IndexRecord[]> {
    if (count <= 0) return [];
    await this.record(height + count - 1); // range check
    const at = indexOffset(height, this.startHeight);
    const bytes = await this.store.readAt(ARCHIVE_PATHS.index, at, count * INDEX_RECORD_SIZE);
    return Array.from(
      { length: count },
      (_, i) =>
        decodeIndexRecord(bytes.subarray(i * INDEX_RECORD_SIZE, (i + 1) * INDEX_RECORD_SIZE)),
    );
  }

  /** Where frame `frame` of chunk `chunk` is stored: its store, file, offset and length. */
  async frameSource(chunk: number, frame: number): Promise<FrameSource> {
    const c = await this.chunk(chunk);
    const e = c.entries[frame];
    if (!e) throw new RangeError(`Chunk ${chunk} has no frame ${frame}`);
    const open = this.openChunk?.id === chunk ? this.openChunk : null;
    const file = open ? open.file : this.manifest.chunks.find((x) => x.id === chunk)!.file;
    const store = open ? open.store : this.store;
    const offset = c.offsets[frame]!;
    return { store, file, offset, length: e.compressed, frame };
  }

  /** Frame `frame` of chunk `chunk` as stored (compressed), and where it is. */
  async compressedFrame(
    chunk: number,
    frame: number,
  ): Promise<{ bytes: Uint8Array; where: FrameWhere }> {
    const s = await this.frameSource(chunk, frame);
    const bytes = await s.store.readAt(s.file, s.offset, s.length);
    return { bytes, where: { file: s.store.describe(s.file), frame, offset: s.offset } };
  }

  /** Decompressed frame `frame` of chunk `chunk` (the last one is cached). */
  async frame(chunk: number, frame: number): Promise<Uint8Array> {
    const key = `${chunk}:${frame}`;
    if (key === this.frameKey) return this.frameBytes;
    const cached = this.lru.get(key);
    if (cached) {
      this.frameKey = key;
      this.frameBytes = cached;
      return cached;
    }
    const { bytes, where } = await this.compressedFrame(chunk, frame);
    this.frameBytes = decompressFrame(bytes, where);
    this.frameKey = key;
    if (this.cacheBytes > 0) this.lru.set(key, this.frameBytes, this.frameBytes.length);
    return this.frameBytes;
  }

  /** The linearized blk record ([magic][len][block]) at `height`. */
  async readRecord(height: number): Promise<Uint8Array> {
    const r = await this.record(height);
    const f = await this.frame(r.chunk, r.frame);
    if (r.offset + recordSize(r.size) > f.length) {
      throw new CorruptDataError("bad-index", `record for height ${height} points past its frame`, {
        file: this.store.describe(ARCHIVE_PATHS.index),
        offset: indexOffset(height, this.startHeight),
        field: "offset",
      });
    }
    return f.subarray(r.offset, r.offset + recordSize(r.size));
  }

  /** The block at `height` (one frame decompressed). */
  async readBlock(height: number): Promise<Uint8Array> {
    return (await this.readRecord(height)).subarray(RECORD_HEADER_SIZE);
  }

  /** Releases cached handles. */
  close(): void {
    this.store.close();
    this.chunks.clear();
  }
}
