/**
 * Walks zstd frames (RFC 8878 §3.1) without decompressing: where a frame
 * ends, and its content checksum. Used to keep exactly one data frame per
 * seek-table entry (Deno's zstdCompressSync sometimes appends an empty
 * frame) and to read the checksum the seek table repeats.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";

/** zstd frame magic, little-endian. */
export const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frame magics are 0x184D2A50..0x184D2A5F. */
export const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
/** Lowest skippable frame magic. */
export const SKIPPABLE_MAGIC_BASE = 0x184d2a50;

/** Layout of one frame. */
export interface ZstdFrameInfo {
  /** Total bytes of the frame. */
  length: number;
  /** Content checksum (low 32 bits of XXH64), or undefined when the frame has none. */
  checksum: number | undefined;
  /** Declared content size, when the header carries it. */
  contentSize: number | undefined;
}

/**
 * Describes the zstd (or skippable) frame starting at `bytes[at]`.
 * Throws {@link CorruptDataError} when it does not fit in `bytes`.
 */
export function zstdFrameInfo(bytes: Uint8Array, at = 0): ZstdFrameInfo {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number, field: string) => {
    if (at + n > bytes.length) {
      throw new CorruptDataError("truncated", `zstd frame needs ${n} more bytes`, {
        offset: at,
        field,
      });
    }
  };
  const start = at;
  need(4, "magic");
  const magic = v.getUint32(at, true);
  if ((magic & SKIPPABLE_MAGIC_MASK) === SKIPPABLE_MAGIC_BASE) {
    need(8, "skippable.size");
    const size = v.getUint32(at + 4, true);
    need(8 + size, "skippable.data");
    return { length: 8 + size, checksum: undefined, contentSize: undefined };
  }
  if (magic !== ZSTD_MAGIC) {
    throw new CorruptDataError("bad-zstd-magic", `0x${magic.toString(16)} is not a zstd frame`, {
      offset: at,
      field: "magic",
    });
  }
  at += 4;
  need(1, "frameHeaderDescriptor");
  const fhd = bytes[at++]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const hasChecksum = (fhd >> 2) & 1;
  const dictFlag = fhd & 3;
  if (!singleSegment) at += 1; // window descriptor
  at += [0, 1, 2, 4][dictFlag]!;
  const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
  need(fcsSize, "frameContentSize");
  let contentSize: number | undefined;
  if (fcsSize === 1) contentSize = bytes[at]!;
  else if (fcsSize === 2) contentSize = v.getUint16(at, true) + 256;
  else if (fcsSize === 4) contentSize = v.getUint32(at, true);
  else if (fcsSize === 8) contentSize = Number(v.getBigUint64(at, true));
  at += fcsSize;
  for (;;) {
    need(3, "blockHeader");
    const h = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    at += 3;
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) {
      throw new CorruptDataError("bad-zstd-block", "reserved block type", {
        offset: at - 3,
        field: "block",
      });
    }
    const body = type === 1 ? 1 : size;
    need(body, "block");
    at += body;
    if (last) break;
  }
  let checksum: number | undefined;
  if (hasChecksum) {
    need(4, "checksum");
    checksum = v.getUint32(at, true);
    at += 4;
  }
  return { length: at - start, checksum, contentSize };
}
