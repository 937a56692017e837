/**
 * Reads a sealed chunk's seek table from its file (the I/O side of
 * seek_table.ts) and checks that its frames cover the file exactly.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import { readAt } from "./atomic_file.ts";
import {
  decodeSeekTable,
  SEEK_TABLE_FOOTER_SIZE,
  type SeekEntry,
  seekTableLength,
} from "./seek_table.ts";

/** A chunk's frames and layout. */
export interface ChunkTable {
  /** Seek-table entries, one per frame. */
  entries: SeekEntry[];
  /** Compressed offset of each frame. */
  offsets: Float64Array;
  /** Bytes of frames (= offset of the seek table). */
  framesBytes: number;
  /** File size. */
  size: number;
}

/**
 * Reads and checks the seek table at the end of `file` (named `path` in
 * errors). With `lenient`, frames that do not cover the file exactly are
 * reported in `mismatch` instead of thrown (verify walks them anyway).
 */
export function readChunkTable(
  file: Deno.FsFile,
  path: string,
  lenient = false,
): ChunkTable & { mismatch?: string } {
  const size = file.statSync().size;
  if (size < SEEK_TABLE_FOOTER_SIZE) {
    throw new CorruptDataError("no-seek-table", "file too short for a seek table", {
      file: path,
      offset: 0,
      field: "file",
    });
  }
  const footer = new Uint8Array(SEEK_TABLE_FOOTER_SIZE);
  readAt(file, footer, size - SEEK_TABLE_FOOTER_SIZE);
  const len = seekTableLength(footer, path);
  if (len > size) {
    throw new CorruptDataError(
      "bad-seek-table",
      `seek table of ${len} bytes in a ${size}-byte file`,
      {
        file: path,
        offset: 0,
        field: "seek table",
      },
    );
  }
  const table = new Uint8Array(len);
  readAt(file, table, size - len);
  const entries = decodeSeekTable(table, path);
  const offsets = new Float64Array(entries.length);
  let at = 0;
  entries.forEach((e, i) => {
    offsets[i] = at;
    at += e.compressed;
  });
  if (at + len !== size) {
    const mismatch = `frames cover ${at} bytes, file has ${size - len}`;
    if (lenient) return { entries, offsets, framesBytes: at, size, mismatch };
    throw new CorruptDataError(
      "bad-seek-table",
      `frames cover ${at} bytes, file has ${size - len}`,
      {
        file: path,
        offset: size - len,
        field: "seek table",
      },
    );
  }
  return { entries, offsets, framesBytes: at, size };
}
