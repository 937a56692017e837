/**
 * Decompressing and checking one stored frame. A frame that does not
 * decompress, or decompresses to the wrong size or XXH64, is a
 * `CorruptDataError` whose one-line message names the chunk file, the
 * frame and what to do.
 *
 * @module
 */

import { zstdDecompressSync } from "node:zlib";
import { CorruptDataError } from "../bytes/errors.ts";
import { newXxh64, type Xxh64, xxh64Low } from "../hash/xxh64.ts";
import type { SeekEntry } from "./seek_table.ts";

export { newXxh64, type Xxh64, xxh64Low };

/** Where a frame lives, for messages. */
export interface FrameWhere {
  /** Chunk file (as the store describes it). */
  file: string;
  /** Frame index in the chunk. */
  frame: number;
  /** Compressed offset of the frame in the file. */
  offset: number;
}

function damaged(w: FrameWhere, why: string): CorruptDataError {
  return new CorruptDataError(
    "damaged-frame",
    `frame ${w.frame} is damaged (${why}): run \`deno task verify\` on the archive` +
      " (and `deno task parity repair` if it has parity)",
    { file: w.file, offset: w.offset, field: `frame ${w.frame}` },
  );
}

/** Decompresses one zstd frame; damage becomes a one-line {@link CorruptDataError}. */
export function decompressFrame(frame: Uint8Array, where: FrameWhere): Uint8Array {
  let out: Uint8Array;
  try {
    out = zstdDecompressSync(frame);
  } catch (e) {
    throw damaged(where, `zstd: ${(e as Error).message}`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decompresses one frame and checks its size and XXH64 against its seek entry. */
export function verifyFrame(
  frame: Uint8Array,
  entry: SeekEntry,
  xxh: Xxh64,
  where: FrameWhere,
): Uint8Array {
  const bytes = decompressFrame(frame, where);
  if (bytes.length !== entry.decompressed) {
    throw damaged(where, `${bytes.length} bytes, seek table says ${entry.decompressed}`);
  }
  const low = xxh64Low(xxh, bytes);
  if (low !== entry.checksum) {
    throw damaged(where, `checksum mismatch: ${low.toString(16)} ≠ ${entry.checksum.toString(16)}`);
  }
  return bytes;
}
