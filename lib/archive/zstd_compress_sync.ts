/**
 * One archive frame compressed synchronously (native zstd from
 * `node:zlib`): content size and checksum recorded, output owned whole so a
 * worker can transfer it without a copy. Used by the validation workers
 * (which also compress) and, through its source text, by the in-memory
 * compression workers.
 *
 * @module
 */

import * as zlib from "node:zlib";

/**
 * Compresses `raw` at `level` with the zlib module `z`; the result's buffer is its own.
 * Self-contained (no outer names) so that its source text can run in an in-memory worker.
 */
export function compressFrameWith(z: typeof zlib, raw: Uint8Array, level: number): Uint8Array {
  // pledgedSrcSize (Node's option, missing from Deno's types) puts the size in the frame header.
  const options = {
    params: {
      [z.constants.ZSTD_c_compressionLevel]: level,
      [z.constants.ZSTD_c_checksumFlag]: 1,
      [z.constants.ZSTD_c_contentSizeFlag]: 1,
    },
    pledgedSrcSize: raw.length,
  };
  const out = z.zstdCompressSync(raw, options);
  // node:zlib returns an exactly sized buffer of its own; copy only if it ever does not.
  return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
    ? out
    : new Uint8Array(out);
}

/**
 * {@link compressFrameWith} with this module's `node:zlib`.
 *
 * @example
 * ```ts
 * import { compressFrameSync } from "./zstd_compress_sync.ts";
 * import { zstdDecompressSync } from "node:zlib";
 * const raw = new TextEncoder().encode("block ".repeat(100));
 * const frame = compressFrameSync(raw, 3);
 * if (zstdDecompressSync(frame).length !== raw.length) throw new Error("round trip");
 * ```
 */
export function compressFrameSync(raw: Uint8Array, level: number): Uint8Array {
  return compressFrameWith(zlib, raw, level);
}
