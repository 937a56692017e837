/**
 * The 80-byte block header: parse, serialize, hash.
 *
 * ```text
 * offset size field
 *      0    4 version      i32 LE
 *      4   32 prevHash     internal byte order
 *     36   32 merkleRoot   internal byte order
 *     68    4 time         u32 LE
 *     72    4 bits         u32 LE (compact target)
 *     76    4 nonce        u32 LE
 * ```
 *
 * @module
 */

import { ByteCursor } from "../bytes/cursor.ts";
import { sha256d } from "../hash/sha256.ts";

/** Header size in bytes. */
export const HEADER_SIZE = 80;
/** Field offsets in the header (the table above). */
export const HEADER_OFFSETS = {
  version: 0,
  prevHash: 4,
  merkleRoot: 36,
  time: 68,
  bits: 72,
  nonce: 76,
} as const;

/** The header's prevHash field (a view). */
export function headerPrevHash(header: Uint8Array): Uint8Array {
  return header.subarray(HEADER_OFFSETS.prevHash, HEADER_OFFSETS.prevHash + 32);
}

/** The header's merkleRoot field (a view). */
export function headerMerkleRoot(header: Uint8Array): Uint8Array {
  return header.subarray(HEADER_OFFSETS.merkleRoot, HEADER_OFFSETS.merkleRoot + 32);
}

/** The first 80 bytes (the header) of a block (a view). */
export function headerOf(block: Uint8Array): Uint8Array {
  return block.subarray(0, HEADER_SIZE);
}

/** Decoded header fields. Hashes are views into the source bytes. */
export interface BlockHeader {
  /** Block version (signed). */
  version: number;
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array;
  /** Merkle root of the txids, internal byte order. */
  merkleRoot: Uint8Array;
  /** Unix time claimed by the miner. */
  time: number;
  /** Compact target. */
  bits: number;
  /** Nonce. */
  nonce: number;
}

/**
 * Decodes the header at `bytes[offset]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeader } from "./header.ts";
 * const h = parseHeader(new Uint8Array(80));
 * assert(h.version === 0 && h.prevHash.length === 32);
 * ```
 */
export function parseHeader(bytes: Uint8Array, offset = 0): BlockHeader {
  const c = new ByteCursor(bytes, offset);
  return {
    version: c.i32("header.version"),
    prevHash: c.take(32, "header.prevHash"),
    merkleRoot: c.take(32, "header.merkleRoot"),
    time: c.u32("header.time"),
    bits: c.u32("header.bits"),
    nonce: c.u32("header.nonce"),
  };
}

/** Serializes a header to 80 bytes. */
export function serializeHeader(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setInt32(HEADER_OFFSETS.version, h.version, true);
  out.set(h.prevHash, HEADER_OFFSETS.prevHash);
  out.set(h.merkleRoot, HEADER_OFFSETS.merkleRoot);
  v.setUint32(HEADER_OFFSETS.time, h.time, true);
  v.setUint32(HEADER_OFFSETS.bits, h.bits, true);
  v.setUint32(HEADER_OFFSETS.nonce, h.nonce, true);
  return out;
}

/** Block hash (internal byte order) of the header at `bytes[offset]`. */
export function blockHash(bytes: Uint8Array, offset = 0): Uint8Array {
  if (offset + HEADER_SIZE > bytes.length) {
    throw new RangeError(`Header needs ${HEADER_SIZE} bytes at offset ${offset}`);
  }
  return sha256d(bytes.subarray(offset, offset + HEADER_SIZE));
}
