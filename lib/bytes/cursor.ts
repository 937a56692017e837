/**
 * One cursor reader over a `Uint8Array`: every bounds check of the wire
 * decoders happens in {@link ByteCursor.need}, and every failure is a
 * {@link CorruptDataError} naming the offset and the field.
 *
 * @module
 */

import { CorruptDataError } from "./errors.ts";

/**
 * Sequential little-endian reader with strict CompactSize decoding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteCursor } from "./cursor.ts";
 * const c = new ByteCursor(new Uint8Array([1, 0, 0, 0, 0xfc]));
 * assert(c.u32("version") === 1 && c.compactSize("count") === 0xfc);
 * ```
 */
export class ByteCursor {
  /** The bytes being read. */
  readonly bytes: Uint8Array;
  /** Current position, relative to `bytes`. */
  pos: number;
  /** Offset of `bytes[0]` in its source (added to error offsets). */
  readonly base: number;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, pos = 0, base = 0) {
    this.bytes = bytes;
    this.pos = pos;
    this.base = base;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left after the cursor. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` more bytes are available for `field`. */
  need(n: number, field: string): void {
    if (n > this.bytes.length - this.pos) {
      throw this.error(
        "truncated",
        `need ${n} bytes, ${this.bytes.length - this.pos} left`,
        field,
      );
    }
  }

  /** A {@link CorruptDataError} at the current position (or `at`). */
  error(code: string, detail: string, field: string, at = this.pos): CorruptDataError {
    return new CorruptDataError(code, detail, { offset: this.base + at, field });
  }

  /** Unsigned byte. */
  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned 32-bit little-endian. */
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Signed 32-bit little-endian. */
  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Unsigned 64-bit little-endian as bigint. */
  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Advances `n` bytes; returns the start offset of the skipped span. */
  skip(n: number, field: string): number {
    this.need(n, field);
    const start = this.pos;
    this.pos += n;
    return start;
  }

  /** A view (not a copy) of the next `n` bytes. */
  take(n: number, field: string): Uint8Array {
    const start = this.skip(n, field);
    return this.bytes.subarray(start, start + n);
  }

  /**
   * Strict CompactSize (Bitcoin's varint). Non-minimal encodings are
   * rejected; values above `max` (default: safe integer range) too.
   */
  compactSize(field: string, max = Number.MAX_SAFE_INTEGER): number {
    const at = this.pos;
    const first = this.u8(field);
    let v: number;
    if (first < 0xfd) {
      v = first;
    } else if (first === 0xfd) {
      this.need(2, field);
      v = this.view.getUint16(this.pos, true);
      this.pos += 2;
      if (v < 0xfd) throw this.nonMinimal(field, at, v);
    } else if (first === 0xfe) {
      v = this.u32(field);
      if (v < 0x10000) throw this.nonMinimal(field, at, v);
    } else {
      const big = this.u64(field);
      if (big < 0x100000000n) throw this.nonMinimal(field, at, Number(big));
      if (big > BigInt(max)) {
        throw this.error("compact-size-too-large", `value ${big} exceeds ${max}`, field, at);
      }
      v = Number(big);
    }
    if (v > max) throw this.error("compact-size-too-large", `value ${v} exceeds ${max}`, field, at);
    return v;
  }

  private nonMinimal(field: string, at: number, v: number): CorruptDataError {
    return this.error(
      "non-minimal-compact-size",
      `value ${v} encoded in ${this.pos - at} bytes`,
      field,
      at,
    );
  }
}
