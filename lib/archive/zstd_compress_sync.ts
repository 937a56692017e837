/**
 * Archive frames compressed synchronously (native zstd from `node:zlib`,
 * one context kept per compressor): content checksum recorded, output owned
 * whole so a worker can transfer it without a copy. Used by the validation
 * workers (which also compress) and, through its source text, by the
 * in-memory compression workers.
 *
 * @module
 */

import * as zlib from "node:zlib";

/** node:zlib's native zstd handle as its streaming class uses it (not part of the public API). */
interface ZstdHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    out: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
}

/**
 * zstd parameters of an archive frame at `level` (`C` is node:zlib's `constants`): the level
 * and the content checksum; at level 3, the default, zstd's fast strategy with a 2^17-entry
 * hash table, 4-byte matches and a search step of 3 (target length 2; the CLI's
 * `-3 --zstd=strategy=1,hlog=17,mml=4,tlen=2`) instead of level 3's double-fast tables. Block
 * data is mostly hashes, keys and signatures, which repeat only whole: measured on 2 MiB
 * frames, this compresses 2.1–2.3× as fast per core as zstd's own level 3, with frames 0.9%
 * larger on the corpus' real mainnet blocks and 0.4–1.0% on generated chains (bench:zstd).
 * Every other level is zstd's own. Self-contained (no outer names) so that its source text can
 * run in an in-memory worker.
 *
 * @example
 * ```ts
 * import { archiveZstdParams } from "./zstd_compress_sync.ts";
 * import { constants as C } from "node:zlib";
 * if (archiveZstdParams(C, 3)[C.ZSTD_c_strategy] !== C.ZSTD_fast) throw new Error("level 3");
 * if (archiveZstdParams(C, 5)[C.ZSTD_c_strategy] !== undefined) throw new Error("level 5");
 * ```
 */
export function archiveZstdParams(
  C: typeof zlib.constants,
  level: number,
): Record<number, number> {
  const params = { [C.ZSTD_c_compressionLevel]: level, [C.ZSTD_c_checksumFlag]: 1 };
  if (level !== 3) return params;
  return {
    ...params,
    [C.ZSTD_c_strategy]: C.ZSTD_fast,
    [C.ZSTD_c_hashLog]: 17,
    [C.ZSTD_c_minMatch]: 4,
    [C.ZSTD_c_targetLength]: 2,
  };
}

/**
 * A compressor of archive frames at `level` with the zlib module `z`, keeping one native zstd
 * context for all its frames instead of a new context (tables, window) per frame: ≈35 MiB less
 * peak RSS in collect. Each call ends a frame (`ZSTD_e_end`): frames are independent, with their
 * content checksum, and their bytes do not depend on what the context compressed before
 * (tested); they do not declare their content size (the seek table has it). Where node:zlib's
 * streaming handle is not as expected it compresses each frame with `zstdCompressSync`. The
 * result's buffer is its own (transferable): `into` when given and large enough (a spare frame
 * buffer: the frame is written there, no copy and no fresh pages; the result is a view of it
 * from offset 0), else a new exact-size buffer. The bytes are the same either way (tested).
 * Its one outer name is {@link archiveZstdParams}: an in-memory worker gets the source text of both.
 */
export function frameCompressorWith(
  z: typeof zlib,
  level: number,
): (raw: Uint8Array, into?: Uint8Array) => Uint8Array {
  const params = archiveZstdParams(z.constants, level);
  const stream = z.createZstdCompress({ params }) as unknown as {
    _handle?: ZstdHandle;
    _writeState?: Uint32Array;
  };
  const handle = stream._handle, state = stream._writeState;
  let out = new Uint8Array(0);
  if (typeof handle?.writeSync !== "function" || !(state instanceof Uint32Array)) {
    return (raw) => {
      const bytes = z.zstdCompressSync(raw, { params });
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes
        : new Uint8Array(bytes);
    };
  }
  return (raw, into) => {
    const need = raw.length + (raw.length >> 7) + 1024; // above ZSTD_compressBound
    const spare = into !== undefined && into.byteOffset === 0 && into.length >= need;
    if (!spare && out.length < need) out = new Uint8Array(need);
    const target = spare ? into : out;
    handle.writeSync(z.constants.ZSTD_e_end, raw, 0, raw.length, target, 0, target.length);
    const [outLeft, inLeft] = state;
    if (inLeft !== 0 || !outLeft) throw new Error("zstd: a frame did not fit its output bound");
    const n = target.length - outLeft;
    return spare ? target.subarray(0, n) : out.slice(0, n);
  };
}

/**
 * Writes `blocks` as blk records (`magic`, length u32 LE, block) from the start of `into`, or of
 * a larger buffer when it is too small; returns the buffer used and the bytes written.
 * Self-contained (no outer names) so that its source text can run in an in-memory worker.
 *
 * @example
 * ```ts
 * import { joinRecords } from "./zstd_compress_sync.ts";
 * const { buffer, length } = joinRecords([Uint8Array.of(9, 9)], Uint8Array.of(1, 2, 3, 4), new Uint8Array(0));
 * if (length !== 10 || buffer[4] !== 2 || buffer[9] !== 9) throw new Error("record layout");
 * ```
 */
export function joinRecords(
  blocks: Uint8Array[],
  magic: Uint8Array,
  into: Uint8Array,
): { buffer: Uint8Array; length: number } {
  let need = 0;
  for (const b of blocks) need += 8 + b.length;
  const out = into.length >= need ? into : new Uint8Array(Math.max(need, 2 * into.length));
  let at = 0;
  for (const b of blocks) {
    const n = b.length;
    out.set(magic, at);
    out[at + 4] = n & 0xff;
    out[at + 5] = (n >>> 8) & 0xff;
    out[at + 6] = (n >>> 16) & 0xff;
    out[at + 7] = (n >>> 24) & 0xff;
    out.set(b, at + 8);
    at += 8 + n;
  }
  return { buffer: out, length: at };
}

/** The output room {@link frameCompressorWith} needs for a frame of `rawLength` bytes. */
export function frameOutputBound(rawLength: number): number {
  return rawLength + (rawLength >> 7) + 1024; // as frameCompressorWith: above ZSTD_compressBound
}

/**
 * A buffer to compress a frame of `rawLength` bytes into ({@link frameCompressorWith}'s `into`):
 * its {@link frameOutputBound} rounded up to whole MiB, so that it also fits frames a little
 * larger when it comes back as a spare.
 */
export function frameOutputBuffer(rawLength: number): Uint8Array {
  return new Uint8Array(Math.ceil(frameOutputBound(rawLength) / 2 ** 20) * 2 ** 20);
}

const compressors = new Map<number, (raw: Uint8Array, into?: Uint8Array) => Uint8Array>();

/**
 * One frame at `level` with this module's `node:zlib`, through a compressor kept per level
 * ({@link frameCompressorWith}); written into `into` when it is large enough.
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
export function compressFrameSync(raw: Uint8Array, level: number, into?: Uint8Array): Uint8Array {
  let c = compressors.get(level);
  if (!c) compressors.set(level, c = frameCompressorWith(zlib, level));
  return c(raw, into);
}
