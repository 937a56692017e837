/**
 * Random access into an archive: height → index record → one frame read
 * and decompressed (never the whole chunk), through the chunk's seek table.
 * Deno's node:zlib decodes only the first frame of multi-frame input, so
 * every read goes frame by frame.
 *
 * @module
 */

import { zstdDecompressSync } from "node:zlib";
import { CorruptDataError } from "../bytes/errors.ts";
import { bytesEqual } from "../bytes/hex.ts";
import { readAt } from "./atomic_file.ts";
import {
  decodeIndexHeader,
  decodeIndexRecord,
  INDEX_HEADER_SIZE,
  INDEX_RECORD_SIZE,
  type IndexHeader,
  indexOffset,
  type IndexRecord,
} from "./height_index.ts";
import { ARCHIVE_PATHS, type ArchiveManifest, type ChunkEntry, parseManifest } from "./manifest.ts";
import type { SeekEntry } from "./seek_table.ts";
import { type ChunkTable, readChunkTable } from "./read_seek_table.ts";

interface OpenChunk {
  file: Deno.FsFile;
  entries: SeekEntry[];
  offsets: Float64Array; // compressed offset of each frame
}

/** Reads blocks back from an archive directory. */
export class ArchiveReader {
  private readonly index: Deno.FsFile;
  private readonly chunks = new Map<number, OpenChunk>();
  private frameKey = "";
  private frameBytes: Uint8Array = new Uint8Array(0);
  /** Index header. */
  readonly indexHeader: IndexHeader;
  /** Records in the index. */
  readonly count: number;

  private constructor(readonly dir: string, readonly manifest: ArchiveManifest) {
    this.index = Deno.openSync(`${dir}/${ARCHIVE_PATHS.index}`, { read: true });
    const head = new Uint8Array(INDEX_HEADER_SIZE);
    readAt(this.index, head, 0);
    this.indexHeader = decodeIndexHeader(head, `${dir}/${ARCHIVE_PATHS.index}`);
    const size = this.index.statSync().size;
    this.count = Math.floor((size - INDEX_HEADER_SIZE) / INDEX_RECORD_SIZE);
  }

  /** Opens the archive at `dir` (reads manifest.json). */
  static open(dir: string): ArchiveReader {
    const path = `${dir}/${ARCHIVE_PATHS.manifest}`;
    return new ArchiveReader(dir, parseManifest(Deno.readTextFileSync(path), path));
  }

  /** First archived height. */
  get startHeight(): number {
    return this.manifest.startHeight;
  }

  /** Last archived height (startHeight - 1 when empty). */
  get tipHeight(): number {
    return this.manifest.tip ? this.manifest.tip.height : this.startHeight - 1;
  }

  /** The index record of `height`. */
  record(height: number): IndexRecord {
    if (height < this.startHeight || height > this.tipHeight) {
      throw new RangeError(
        `Height ${height} is not in the archive (${this.startHeight}..${this.tipHeight})`,
      );
    }
    const buf = new Uint8Array(INDEX_RECORD_SIZE);
    readAt(this.index, buf, indexOffset(height, this.startHeight));
    return decodeIndexRecord(buf);
  }

  /** Height of the block with `hash` (internal byte order), or -1. Scans the index. */
  findHeight(hash: Uint8Array): number {
    const batch = 8192;
    const buf = new Uint8Array(batch * INDEX_RECORD_SIZE);
    for (let h = this.startHeight; h <= this.tipHeight; h += batch) {
      const n = Math.min(batch, this.tipHeight - h + 1);
      const view = buf.subarray(0, n * INDEX_RECORD_SIZE);
      readAt(this.index, view, indexOffset(h, this.startHeight));
      for (let i = 0; i < n; i++) {
        if (
          bytesEqual(view.subarray(i * INDEX_RECORD_SIZE + 16, i * INDEX_RECORD_SIZE + 48), hash)
        ) return h + i;
      }
    }
    return -1;
  }

  /** The chunk's file and seek table (cached). */
  chunk(id: number): OpenChunk {
    let c = this.chunks.get(id);
    if (c) return c;
    const entry: ChunkEntry | undefined = this.manifest.chunks.find((x) => x.id === id);
    if (!entry) throw new RangeError(`Chunk ${id} is not in the manifest`);
    const path = `${this.dir}/${entry.file}`;
    const file = Deno.openSync(path, { read: true });
    let table: ChunkTable;
    try {
      table = readChunkTable(file, path);
    } catch (e) {
      file.close();
      throw e;
    }
    const { entries, offsets } = table;
    c = { file, entries, offsets };
    this.chunks.set(id, c);
    return c;
  }

  /** Decompressed frame `frame` of chunk `chunk` (the last one is cached). */
  frame(chunk: number, frame: number): Uint8Array {
    const key = `${chunk}:${frame}`;
    if (key === this.frameKey) return this.frameBytes;
    const c = this.chunk(chunk);
    const e = c.entries[frame];
    if (!e) throw new RangeError(`Chunk ${chunk} has no frame ${frame}`);
    const buf = new Uint8Array(e.compressed);
    readAt(c.file, buf, c.offsets[frame]!);
    const out = zstdDecompressSync(buf);
    this.frameBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    this.frameKey = key;
    return this.frameBytes;
  }

  /** The block at `height` (one frame decompressed). */
  readBlock(height: number): Uint8Array {
    const r = this.record(height);
    const f = this.frame(r.chunk, r.frame);
    if (r.offset + 8 + r.size > f.length) {
      throw new CorruptDataError("bad-index", `record for height ${height} points past its frame`, {
        file: `${this.dir}/${ARCHIVE_PATHS.index}`,
        offset: indexOffset(height, this.startHeight),
        field: "offset",
      });
    }
    return f.subarray(r.offset + 8, r.offset + 8 + r.size);
  }

  /** The linearized blk record ([magic][len][block]) at `height`. */
  readRecord(height: number): Uint8Array {
    const r = this.record(height);
    return this.frame(r.chunk, r.frame).subarray(r.offset, r.offset + 8 + r.size);
  }

  /** Closes all files. */
  close(): void {
    this.index.close();
    for (const c of this.chunks.values()) c.file.close();
    this.chunks.clear();
  }
}
