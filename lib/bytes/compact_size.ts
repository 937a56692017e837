/**
 * CompactSize encoding (Bitcoin's varint): 1, 3, 5 or 9 bytes, minimal form.
 * Decoding lives in {@link ByteCursor.compactSize} so all bounds checks stay
 * in one place.
 *
 * @module
 */

/** Bytes needed to encode `n` as CompactSize. */
export function compactSizeLength(n: number | bigint): number {
  const v = BigInt(n);
  if (v < 0n) throw new RangeError(`CompactSize cannot encode a negative value: ${v}`);
  if (v < 0xfdn) return 1;
  if (v <= 0xffffn) return 3;
  if (v <= 0xffffffffn) return 5;
  if (v <= 0xffffffffffffffffn) return 9;
  throw new RangeError(`CompactSize cannot encode values above 2^64-1: ${v}`);
}

/**
 * Writes `n` at `out[offset]` in minimal CompactSize form; returns the new
 * offset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCompactSize } from "./compact_size.ts";
 * const out = new Uint8Array(3);
 * assert(writeCompactSize(out, 0, 0xfd) === 3 && out[0] === 0xfd);
 * ```
 */
export function writeCompactSize(out: Uint8Array, offset: number, n: number | bigint): number {
  const len = compactSizeLength(n);
  if (offset + len > out.length) throw new RangeError("Output buffer too small for CompactSize");
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (len === 1) {
    out[offset] = Number(n);
  } else if (len === 3) {
    out[offset] = 0xfd;
    view.setUint16(offset + 1, Number(n), true);
  } else if (len === 5) {
    out[offset] = 0xfe;
    view.setUint32(offset + 1, Number(n), true);
  } else {
    out[offset] = 0xff;
    view.setBigUint64(offset + 1, BigInt(n), true);
  }
  return offset + len;
}

/** `n` encoded as a new CompactSize byte array. */
export function encodeCompactSize(n: number | bigint): Uint8Array {
  const out = new Uint8Array(compactSizeLength(n));
  writeCompactSize(out, 0, n);
  return out;
}
