/**
 * Reusable buffers for blocks. collect reads every block into a buffer of
 * its own (it is transferred to a validation worker and back), then copies
 * it into a frame: a fresh buffer per block is a GiB of allocations per GiB
 * read, and each one is zero-filled by the runtime and counts as external
 * memory, which makes V8 collect garbage on the main thread every few tens
 * of MiB. A pool hands the same buffers out again once a block is framed.
 *
 * Buffers come in size classes (1, 1.25, 1.5 and 1.75 × a power of two, at
 * least {@link POOL_MIN_BYTES}): a buffer is at most 25% larger than the
 * block it holds. Smaller requests get plain buffers.
 *
 * @module
 */

/** Smallest pooled buffer; smaller requests get plain buffers. */
export const POOL_MIN_BYTES = 64 << 10;

/** The pooled size for `n` bytes (≥ n), or n itself below {@link POOL_MIN_BYTES}. */
export function poolClassOf(n: number): number {
  if (n <= POOL_MIN_BYTES) return n;
  const base = 2 ** Math.floor(Math.log2(n));
  for (const q of [4, 5, 6, 7]) if ((base / 4) * q >= n) return (base / 4) * q;
  return base * 2;
}

/**
 * A pool of buffers by size class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferPool } from "./buffer_pool.ts";
 * const pool = new BufferPool();
 * const a = pool.take(100_000);
 * assert(a.length === 100_000 && a.buffer.byteLength === 114_688); // 1.75 × 64 KiB
 * pool.give(a);
 * assert(pool.take(110_000).buffer === a.buffer); // the same class: the same buffer again
 * ```
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Buffers handed out that were not in the pool (allocations). */
  allocated = 0;

  /** `perClass`: buffers kept per size class at most. */
  constructor(readonly perClass = 16) {}

  /**
   * A view of `n` bytes from offset 0 of a buffer nothing else uses (its contents are not
   * zeroed: they may be a previous block's). The buffer may be longer than `n`.
   */
  take(n: number): Uint8Array {
    const size = poolClassOf(n);
    const buffer = size >= POOL_MIN_BYTES ? this.free.get(size)?.pop() : undefined;
    if (buffer) return new Uint8Array(buffer, 0, n);
    this.allocated++;
    return new Uint8Array(new ArrayBuffer(size), 0, n);
  }

  /**
   * Gives `bytes`' buffer back: the caller and everything it handed the buffer to are done
   * with it. Buffers that are not of a pooled size (or detached) are left to the collector.
   */
  give(bytes: Uint8Array): void {
    const b = bytes.buffer;
    if (!(b instanceof ArrayBuffer) || bytes.byteOffset !== 0) return;
    const size = b.byteLength;
    if (size < POOL_MIN_BYTES || poolClassOf(size) !== size) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, list = []);
    if (list.length < this.perClass) list.push(b);
  }
}
