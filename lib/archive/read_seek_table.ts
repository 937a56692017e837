/**
 * Reads a sealed chunk's seek table through a store (the I/O side of
 * seek_table.ts) and checks that its frames cover the file exactly.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import type { Store } from "../store/store.ts";
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
  /** With `lenient`: why the frames do not cover the file exactly. */
  mismatch?: string;
}

/**
 * Reads and checks the seek table at the end of `path` in `store`. With
 * `lenient`, frames that do not cover the file exactly are reported in
 * `mismatch` instead of thrown (verify walks them anyway).
 */
export async function readChunkTable(
  store: Store,
  path: string,
  lenient = false,
): Promise<ChunkTable> {
  const file = store.describe(path);
  const size = await store.size(path);
  if (size === null) throw new Deno.errors.NotFound(`${file}: chunk file is missing`);
  const bad = (code: string, detail: string, offset: number) =>
    new CorruptDataError(code, detail, { file, offset, field: "seek table" });
  if (size < SEEK_TABLE_FOOTER_SIZE) {
    throw bad("no-seek-table", "file too short for a seek table", 0);
  }
  const footer = await store.readAt(path, size - SEEK_TABLE_FOOTER_SIZE, SEEK_TABLE_FOOTER_SIZE);
  const len = seekTableLength(footer, file);
  if (len > size) {
    throw bad("bad-seek-table", `seek table of ${len} bytes in a ${size}-byte file`, 0);
  }
  const entries = decodeSeekTable(await store.readAt(path, size - len, len), file);
  const offsets = new Float64Array(entries.length);
  let at = 0;
  entries.forEach((e, i) => {
    offsets[i] = at;
    at += e.compressed;
  });
  if (at + len !== size) {
    const mismatch = `frames cover ${at} bytes, file has ${size - len}`;
    if (lenient) return { entries, offsets, framesBytes: at, size, mismatch };
    throw bad("bad-seek-table", mismatch, size - len);
  }
  return { entries, offsets, framesBytes: at, size };
}
