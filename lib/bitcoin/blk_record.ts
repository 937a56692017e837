/**
 * The blk record: how Bitcoin Core's `blk*.dat` files (and blkpipe's
 * decompressed chunks, which `-loadblock` reads) frame each block.
 *
 * ```text
 * offset size field
 *      0    4 magic    network message start
 *      4    4 length   u32 LE, size of the block that follows
 *      8    …  block
 * ```
 *
 * @module
 */

/** Bytes before the block in a record: magic and length. */
export const RECORD_HEADER_SIZE = 8;
/** Offset of the length field. */
export const RECORD_LENGTH_OFFSET = 4;

/**
 * Writes a record header for a block of `length` bytes into `out` at `at`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRecordLength, writeRecordHeader } from "./blk_record.ts";
 * const out = new Uint8Array(8);
 * writeRecordHeader(out, 0, Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda), 300);
 * assert(readRecordLength(out, 0) === 300);
 * ```
 */
export function writeRecordHeader(
  out: Uint8Array,
  at: number,
  magic: Uint8Array,
  length: number,
): void {
  out.set(magic, at);
  out[at + 4] = length & 255;
  out[at + 5] = (length >>> 8) & 255;
  out[at + 6] = (length >>> 16) & 255;
  out[at + 7] = length >>> 24;
}

/** The length field of the record header at `bytes[at]`. */
export function readRecordLength(bytes: Uint8Array, at: number): number {
  const o = at + RECORD_LENGTH_OFFSET;
  return (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
}

/** Bytes a block of `blockSize` bytes takes as a record. */
export function recordSize(blockSize: number): number {
  return RECORD_HEADER_SIZE + blockSize;
}

/** A whole record for `block` (a copy). */
export function encodeRecord(magic: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(recordSize(block.length));
  writeRecordHeader(out, 0, magic, block.length);
  out.set(block, RECORD_HEADER_SIZE);
  return out;
}
