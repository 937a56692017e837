/**
 * `state/open-frames.bin`: the seek entries of the open chunk's frames,
 * appended as frames are written and fsynced with each resume point, so
 * that the resume record names only how many are durable. (The record used
 * to list them all, rewriting the whole list at every resume point: work
 * quadratic in a chunk's frames — a 125,000-block chunk of recent mainnet
 * blocks has ≈100,000 frames, ≈5 MB of JSON per 8 MiB of blocks.)
 *
 * ```text
 * magic   8 bytes  "BPFRAMES"
 * chunk   u32 LE   id of the open chunk the entries describe
 * version u32 LE   1
 * entries 12 bytes each, as in the seek table: compressed u32 LE, decompressed u32 LE,
 *                  checksum u32 LE (low 32 bits of XXH64 of the decompressed bytes)
 * ```
 *
 * @module
 */

import { ArchiveError } from "./manifest.ts";
import {
  readSeekEntries,
  SEEK_ENTRY_SIZE,
  type SeekEntry,
  writeSeekEntries,
} from "./seek_table.ts";
import type { AppendFile, Store } from "../store/store.ts";

/** Path of the file inside an archive. */
export const OPEN_FRAMES_PATH = "state/open-frames.bin";
/** Header bytes. */
export const OPEN_FRAMES_HEADER_SIZE = 16;
/** Bytes per entry (a seek entry with its checksum). */
export const OPEN_FRAME_ENTRY_SIZE = SEEK_ENTRY_SIZE;
const MAGIC = new TextEncoder().encode("BPFRAMES");

function header(chunk: number): Uint8Array {
  const out = new Uint8Array(OPEN_FRAMES_HEADER_SIZE);
  out.set(MAGIC);
  const v = new DataView(out.buffer);
  v.setUint32(8, chunk, true);
  v.setUint32(12, 1, true);
  return out;
}

function encodeEntries(entries: readonly SeekEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * OPEN_FRAME_ENTRY_SIZE);
  writeSeekEntries(new DataView(out.buffer), 0, entries);
  return out;
}

function headerMatches(head: Uint8Array, chunk: number): boolean {
  if (head.length < OPEN_FRAMES_HEADER_SIZE || MAGIC.some((b, i) => head[i] !== b)) return false;
  const v = new DataView(head.buffer, head.byteOffset, OPEN_FRAMES_HEADER_SIZE);
  return v.getUint32(8, true) === chunk && v.getUint32(12, true) === 1;
}

/**
 * Reads the first `count` entries for open chunk `chunk`; a missing, short or foreign file is an
 * `ArchiveError` naming it.
 */
export async function readOpenFrames(
  store: Store,
  chunk: number,
  count: number,
): Promise<SeekEntry[]> {
  const where = store.describe(OPEN_FRAMES_PATH);
  const size = OPEN_FRAMES_HEADER_SIZE + count * OPEN_FRAME_ENTRY_SIZE;
  const have = await store.size(OPEN_FRAMES_PATH);
  if (have === null || have < size) {
    throw new ArchiveError(
      `${where}: ${have === null ? "missing" : `${have} bytes`}, the resume record needs ` +
        `${count} frames of open chunk ${chunk} (${size} bytes): restore it from a backup or parity`,
    );
  }
  const bytes = await store.readAt(OPEN_FRAMES_PATH, 0, size);
  if (!headerMatches(bytes, chunk)) {
    throw new ArchiveError(
      `${where} does not describe open chunk ${chunk}: restore it from a backup or parity`,
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return readSeekEntries(v, OPEN_FRAMES_HEADER_SIZE, count);
}

/** The writer's side: entries added with each frame, written and fsynced with {@link sync}. */
export class OpenFramesLog {
  private pending: SeekEntry[] = [];

  private constructor(private readonly file: AppendFile) {}

  /**
   * Opens the log of open chunk `chunk` holding exactly `entries` (its durable frames): cut back
   * when the file already begins with them, else written afresh — and made durable before it
   * returns, so a resume record written next may rely on it.
   */
  static async open(
    store: Store,
    chunk: number,
    entries: readonly SeekEntry[],
  ): Promise<OpenFramesLog> {
    const want = OPEN_FRAMES_HEADER_SIZE + entries.length * OPEN_FRAME_ENTRY_SIZE;
    const size = await store.size(OPEN_FRAMES_PATH);
    if (size !== null && size >= want) {
      const head = await store.readAt(OPEN_FRAMES_PATH, 0, want);
      const body = encodeEntries(entries);
      if (
        headerMatches(head, chunk) &&
        body.every((b, i) => head[OPEN_FRAMES_HEADER_SIZE + i] === b)
      ) {
        const file = await store.openAppend(OPEN_FRAMES_PATH, want);
        await file.sync();
        return new OpenFramesLog(file);
      }
    }
    const file = await store.openAppend(OPEN_FRAMES_PATH, 0);
    file.append(header(chunk));
    file.append(encodeEntries(entries));
    await file.sync();
    return new OpenFramesLog(file);
  }

  /** Records one more frame (written at the next {@link sync}). */
  add(entry: SeekEntry): void {
    this.pending.push(entry);
  }

  /** Writes the added entries and makes them durable. */
  async sync(): Promise<void> {
    if (this.pending.length > 0) {
      this.file.append(encodeEntries(this.pending));
      this.pending = [];
    }
    await this.file.sync();
  }

  /** Closes the file (entries added since the last {@link sync} are dropped). */
  close(): void {
    this.file.close();
  }
}
