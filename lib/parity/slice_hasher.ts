/**
 * MD5 and CRC32 of one input slice, read in bounded pieces (a slice can be
 * far larger than memory): the last slice of a file is zero-padded to the
 * slice size, as PAR2 defines its checksums.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readSync } from "node:fs";
import { crc32 } from "./crc32.ts";

/** Piece size for reading slices. */
export const PIECE_BYTES = 4 << 20;

/** The checksums of a slice and the bytes actually read. */
export interface SliceSums {
  /** MD5 of the zero-padded slice. */
  md5: Uint8Array;
  /** CRC32 of the zero-padded slice. */
  crc: number;
  /** Bytes read from the file (less than `length` when the file is short). */
  read: number;
}

/**
 * Hashes `length` bytes at `offset` of `fd`, zero-padded to `sliceSize`; each piece read is
 * also given to `onData` (whole-file hashes).
 */
export function hashSlice(
  fd: number,
  offset: number,
  length: number,
  sliceSize: number,
  buf: Uint8Array,
  onData?: (bytes: Uint8Array) => void,
): SliceSums {
  const md5 = createHash("md5");
  let crc = 0;
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - read), offset + read);
    if (n === 0) break;
    const piece = buf.subarray(0, n);
    md5.update(piece);
    crc = crc32(piece, crc);
    onData?.(piece);
    read += n;
  }
  if (read < sliceSize) {
    buf.fill(0);
    for (let left = sliceSize - read; left > 0;) {
      const z = buf.subarray(0, Math.min(buf.length, left));
      md5.update(z);
      crc = crc32(z, crc);
      left -= z.length;
    }
  }
  return { md5: new Uint8Array(md5.digest()), crc, read };
}
