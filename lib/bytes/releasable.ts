/**
 * Large buffers whose memory goes back to the system when the owner says so,
 * not when the garbage collector next runs: bytes over a resizable
 * ArrayBuffer, shrunk to nothing by {@link release} (V8 returns the pages at
 * once). For memory that is dropped in bulk at known points — a segment's
 * bloom filter and directory when the segment is closed after a compaction —
 * where waiting for a collection would let a long synchronous run hold both
 * the old and the new copies.
 *
 * @module
 */

/**
 * `n` zero bytes that {@link release} can free.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { releasable, release } from "./releasable.ts";
 * const b = releasable(1024);
 * assert.equal(b.length, 1024);
 * release(b);
 * assert.equal(b.length, 0);
 * ```
 */
export function releasable(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n, { maxByteLength: n }));
}

/** A {@link releasable} copy of `src`. */
export function releasableCopy(src: Uint8Array): Uint8Array {
  const b = releasable(src.length);
  b.set(src);
  return b;
}

/** Frees a {@link releasable}'s memory now (it reads as empty afterwards); other bytes are left alone. */
export function release(b: Uint8Array): void {
  const buf = b.buffer;
  if (buf instanceof ArrayBuffer && buf.resizable) buf.resize(0);
}
