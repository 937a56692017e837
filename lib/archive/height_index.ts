/**
 * The height index (`index/heights.idx`): one fixed-size record per
 * archived height, so a lookup by height is one positioned read.
 *
 * ```text
 * header (64 bytes)
 *   magic        8        "BLKPHIDX"
 *   version      u32 LE   1
 *   recordSize   u32 LE   128
 *   startHeight  u32 LE   height of record 0
 *   network      16       ASCII name, zero padded
 *   reserved     28       zeros
 * record (128 bytes) per height, in height order
 *   chunk        u32 LE   chunk id
 *   frame        u32 LE   frame index within the chunk
 *   offset       u32 LE   offset of the block's record ([magic][len][block]) in the frame
 *   size         u32 LE   block size in bytes
 *   hash         32       block hash, internal byte order
 *   header       80       the block header
 * ```
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";

/** Header size. */
export const INDEX_HEADER_SIZE = 64;
/** Record size. */
export const INDEX_RECORD_SIZE = 128;
/** Format version. */
export const INDEX_VERSION = 1;
const MAGIC = new TextEncoder().encode("BLKPHIDX");

/** One decoded record. */
export interface IndexRecord {
  /** Chunk id. */
  chunk: number;
  /** Frame index in the chunk. */
  frame: number;
  /** Offset of the blk record in the decompressed frame. */
  offset: number;
  /** Block size. */
  size: number;
  /** Block hash (view). */
  hash: Uint8Array;
  /** Block header (view). */
  header: Uint8Array;
}

/** Decoded index header. */
export interface IndexHeader {
  /** Format version. */
  version: number;
  /** Height of the first record. */
  startHeight: number;
  /** Network name. */
  network: string;
}

/** Encodes the 64-byte header. */
export function encodeIndexHeader(startHeight: number, network: string): Uint8Array {
  const out = new Uint8Array(INDEX_HEADER_SIZE);
  const v = new DataView(out.buffer);
  out.set(MAGIC);
  v.setUint32(8, INDEX_VERSION, true);
  v.setUint32(12, INDEX_RECORD_SIZE, true);
  v.setUint32(16, startHeight, true);
  out.set(new TextEncoder().encode(network).subarray(0, 16), 20);
  return out;
}

/** Decodes and checks the header. */
export function decodeIndexHeader(bytes: Uint8Array, file = "heights.idx"): IndexHeader {
  const bad = (detail: string, offset: number, field: string) =>
    new CorruptDataError("bad-index", detail, { file, offset, field });
  if (bytes.length < INDEX_HEADER_SIZE) throw bad("file shorter than its header", 0, "header");
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC[i]) throw bad("not a blkpipe height index", 0, "magic");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, INDEX_HEADER_SIZE);
  const version = v.getUint32(8, true);
  if (version !== INDEX_VERSION) throw bad(`unsupported version ${version}`, 8, "version");
  if (v.getUint32(12, true) !== INDEX_RECORD_SIZE) {
    throw bad("unexpected record size", 12, "recordSize");
  }
  const name = bytes.subarray(20, 36);
  const end = name.indexOf(0);
  return {
    version,
    startHeight: v.getUint32(16, true),
    network: new TextDecoder().decode(end < 0 ? name : name.subarray(0, end)),
  };
}

function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 255;
  out[at + 1] = (v >>> 8) & 255;
  out[at + 2] = (v >>> 16) & 255;
  out[at + 3] = v >>> 24;
}

/**
 * Writes one record into `out` at `at` (only the first 80 bytes of
 * `r.header` are used, so a whole block may be passed). No allocation.
 */
export function encodeIndexRecord(out: Uint8Array, at: number, r: IndexRecord): void {
  putU32(out, at, r.chunk);
  putU32(out, at + 4, r.frame);
  putU32(out, at + 8, r.offset);
  putU32(out, at + 12, r.size);
  out.set(r.hash, at + 16);
  for (let i = 0; i < 80; i++) out[at + 48 + i] = r.header[i]!;
}

/** Decodes the record at `bytes[at]` (hash and header are views). */
export function decodeIndexRecord(bytes: Uint8Array, at = 0): IndexRecord {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, INDEX_RECORD_SIZE);
  return {
    chunk: v.getUint32(0, true),
    frame: v.getUint32(4, true),
    offset: v.getUint32(8, true),
    size: v.getUint32(12, true),
    hash: bytes.subarray(at + 16, at + 48),
    header: bytes.subarray(at + 48, at + 128),
  };
}

/** File offset of the record for `height`. */
export function indexOffset(height: number, startHeight: number): number {
  return INDEX_HEADER_SIZE + (height - startHeight) * INDEX_RECORD_SIZE;
}
