/**
 * The zstd seekable format's seek table (zstd contrib/seekable_format,
 * "Zstandard Seekable Format" v0.1), a skippable frame at the end of the
 * file:
 *
 * ```text
 * Skippable_Magic_Number  u32 LE  0x184D2A5E
 * Frame_Size              u32 LE  size of what follows (entries + footer)
 * Seek_Table_Entries      per frame: Compressed_Size u32 LE, Decompressed_Size u32 LE,
 *                         [Checksum u32 LE: low 32 bits of XXH64(decompressed)]
 * Seek_Table_Footer       Number_Of_Frames u32 LE, Seek_Table_Descriptor u8
 *                         (bit 7: Checksum_Flag), Seekable_Magic_Number u32 LE 0x8F92EAB1
 * ```
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";

/** Magic of the skippable frame holding the seek table. */
export const SEEK_TABLE_SKIPPABLE_MAGIC = 0x184d2a5e;
/** Magic at the very end of a seekable file. */
export const SEEKABLE_MAGIC = 0x8f92eab1;
/** Footer size. */
export const SEEK_TABLE_FOOTER_SIZE = 9;
/** Descriptor bit: entries carry checksums. */
export const CHECKSUM_FLAG = 0x80;

/** One frame's entry. */
export interface SeekEntry {
  /** Compressed bytes of the frame. */
  compressed: number;
  /** Decompressed bytes. */
  decompressed: number;
  /** Low 32 bits of XXH64 of the decompressed bytes. */
  checksum: number;
}

/** Bytes of a seek entry with its checksum. */
export const SEEK_ENTRY_SIZE = 12;

/** Writes `entries` as seek entries with checksums (12 bytes each) into `v` from byte `at`. */
export function writeSeekEntries(v: DataView, at: number, entries: readonly SeekEntry[]): void {
  entries.forEach((e, i) => {
    v.setUint32(at + 12 * i, e.compressed, true);
    v.setUint32(at + 12 * i + 4, e.decompressed, true);
    v.setUint32(at + 12 * i + 8, e.checksum, true);
  });
}

/** Reads `n` seek entries of `width` bytes (12 with checksums, 8 without) from `v` at byte `at`. */
export function readSeekEntries(v: DataView, at: number, n: number, width = 12): SeekEntry[] {
  const out: SeekEntry[] = [];
  for (let i = 0, p = at; i < n; i++, p += width) {
    out.push({
      compressed: v.getUint32(p, true),
      decompressed: v.getUint32(p + 4, true),
      checksum: width === 12 ? v.getUint32(p + 8, true) : 0,
    });
  }
  return out;
}

/** Bytes of a seek table (with checksums) for `entries`. */
export function encodeSeekTable(entries: readonly SeekEntry[]): Uint8Array {
  const size = 12 * entries.length + SEEK_TABLE_FOOTER_SIZE;
  const out = new Uint8Array(8 + size);
  const v = new DataView(out.buffer);
  v.setUint32(0, SEEK_TABLE_SKIPPABLE_MAGIC, true);
  v.setUint32(4, size, true);
  writeSeekEntries(v, 8, entries);
  const f = 8 + 12 * entries.length;
  v.setUint32(f, entries.length, true);
  out[f + 4] = CHECKSUM_FLAG;
  v.setUint32(f + 5, SEEKABLE_MAGIC, true);
  return out;
}

/** Length of the seek table frame given the file's last 9 bytes (the footer). */
export function seekTableLength(footer: Uint8Array, file = "chunk"): number {
  if (footer.length !== SEEK_TABLE_FOOTER_SIZE) throw new RangeError("footer is 9 bytes");
  const v = new DataView(footer.buffer, footer.byteOffset, 9);
  if (v.getUint32(5, true) !== SEEKABLE_MAGIC) {
    throw new CorruptDataError("no-seek-table", "no seekable-format footer at the end", {
      file,
      offset: -9,
      field: "Seekable_Magic_Number",
    });
  }
  const n = v.getUint32(0, true);
  const width = footer[4]! & CHECKSUM_FLAG ? 12 : 8;
  return 8 + width * n + SEEK_TABLE_FOOTER_SIZE;
}

/** Decodes a whole seek table frame (as returned by {@link encodeSeekTable}). */
export function decodeSeekTable(table: Uint8Array, file = "chunk"): SeekEntry[] {
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const where = (field: string, offset: number) => ({ file, offset, field });
  if (
    table.length < 8 + SEEK_TABLE_FOOTER_SIZE || v.getUint32(0, true) !== SEEK_TABLE_SKIPPABLE_MAGIC
  ) {
    throw new CorruptDataError(
      "bad-seek-table",
      "seek table frame magic missing",
      where("magic", 0),
    );
  }
  const size = v.getUint32(4, true);
  if (size + 8 !== table.length) {
    throw new CorruptDataError(
      "bad-seek-table",
      `frame size ${size} ≠ ${table.length - 8}`,
      where("Frame_Size", 4),
    );
  }
  const f = table.length - SEEK_TABLE_FOOTER_SIZE;
  const n = v.getUint32(f, true);
  const checksums = (table[f + 4]! & CHECKSUM_FLAG) !== 0;
  const width = checksums ? 12 : 8;
  if (8 + n * width !== f || v.getUint32(f + 5, true) !== SEEKABLE_MAGIC) {
    throw new CorruptDataError(
      "bad-seek-table",
      `${n} entries do not fit the table`,
      where("footer", f),
    );
  }
  return readSeekEntries(v, 8, n, width);
}
