/**
 * XXH64 (the zstd seekable format's frame checksum and the segments'
 * checksum), the one adapter around the `hash-wasm` package.
 *
 * @module
 */

// A full specifier, not the import map's bare name: scripts outside this project import mod.ts,
// and Deno applies only their own configuration. This adapter is the one place that names it.
// deno-lint-ignore no-import-prefix
import { createXXHash64 } from "npm:hash-wasm@4.13.0";

/** A reusable XXH64 hasher (`init`, `update`, `digest`). */
export type Xxh64 = Awaited<ReturnType<typeof createXXHash64>>;

/**
 * A new XXH64 hasher (seed 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newXxh64, xxh64Low } from "./xxh64.ts";
 * const h = await newXxh64();
 * // XXH64("") = ef46db3751d8e999
 * assert(xxh64Low(h, new Uint8Array(0)) === 0x51d8e999);
 * ```
 */
export function newXxh64(): Promise<Xxh64> {
  return createXXHash64();
}

/** Low 32 bits of XXH64 of `bytes` (what the seek table and zstd frames store). */
export function xxh64Low(xxh: Xxh64, bytes: Uint8Array): number {
  xxh.init();
  xxh.update(bytes);
  const d = xxh.digest("binary");
  return ((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0;
}
