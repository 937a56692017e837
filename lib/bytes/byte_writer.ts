/**
 * A growable little-endian byte writer (serialized blocks, snapshot files).
 *
 * @module
 */

import { writeCompactSize } from "./compact_size.ts";

/** Appends bytes to a buffer that doubles as needed. */
export class ByteWriter {
  private buf: Uint8Array;
  /** Bytes written. */
  length = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  /** The underlying buffer: its first {@link length} bytes are the content (replaced as it grows). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** One byte. */
  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v;
    return this;
  }

  /** u32 little-endian. */
  u32(v: number): this {
    this.reserve(4);
    const b = this.buf, at = this.length;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
    this.length += 4;
    return this;
  }

  /** Non-negative integer below 2^53 as u64 little-endian. */
  u64(v: number): this {
    this.u32(v >>> 0);
    return this.u32(Math.floor(v / 4294967296));
  }

  /** CompactSize. */
  varint(n: number): this {
    this.reserve(9);
    this.length = writeCompactSize(this.buf, this.length, n);
    return this;
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Raw bytes `b[from..to)` (no subarray made). */
  range(b: Uint8Array, from: number, to: number): this {
    this.reserve(to - from);
    for (let i = from; i < to; i++) this.buf[this.length++] = b[i]!;
    return this;
  }

  /** CompactSize length then bytes. */
  varbytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  /** Drops everything after the first `length` bytes. */
  truncate(length: number): void {
    if (length > this.length) throw new RangeError("Cannot truncate past the end");
    this.length = length;
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** Overwrites bytes at `at` (must be inside what was written). */
  patch(at: number, b: Uint8Array): void {
    if (at + b.length > this.length) throw new RangeError("Patch past the end of written bytes");
    this.buf.set(b, at);
  }
}
