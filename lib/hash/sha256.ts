/**
 * Single-message SHA-256 and double SHA-256 (native, via `node:crypto`,
 * which uses the CPU's SHA extensions). For many small messages use
 * {@link Sha256Batch} instead: per-call overhead dominates below ~1 KiB.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * SHA-256 of `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256 } from "./sha256.ts";
 * assert(sha256(new Uint8Array(0))[0] === 0xe3);
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  const d = createHash("sha256").update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, 32);
}

/** SHA-256(SHA-256(data)): block hashes, txids, merkle nodes. */
export function sha256d(data: Uint8Array): Uint8Array {
  const first = createHash("sha256").update(data).digest();
  const d = createHash("sha256").update(first).digest();
  return new Uint8Array(d.buffer, d.byteOffset, 32);
}
