/**
 * The open chunk: created, appended to frame by frame with a running
 * SHA-256 (both on a writer thread, see `chunk_appender.ts`), re-read now
 * and then (integrity check), and sealed — seek table appended, fsynced,
 * moved into place (copied from the stage directory when one is used).
 * Also takes an open chunk back after a kill (truncated to its durable
 * length) and reopens the archive's open tail to extend it.
 *
 * @module
 */

import type { AppendFile, Store } from "../store/store.ts";
import { LocalStore } from "../store/local_store.ts";
import {
  type ChunkAppender,
  InlineChunkAppender,
  threadCanAppend,
  ThreadChunkAppender,
} from "./chunk_appender.ts";
import { newXxh64, verifyFrame } from "./frame_codec.ts";
import type { FrameSpares } from "./frame_spares.ts";
import { type ChunkEntry, chunkFileName } from "./manifest.ts";
import { readChunkTable } from "./read_seek_table.ts";
import { OpenFramesLog } from "./open_frames.ts";
import type { OpenChunkState } from "./resume_record.ts";
import { encodeSeekTable } from "./seek_table.ts";

const OPEN_SUFFIX = ".open";
const COPY_PIECE = 4 << 20;

/** Copies `path` of `from` to `to` (`.tmp`, fsync, rename): the stage's sealed chunk into place. */
export async function copyFile(
  from: Store,
  path: string,
  to: Store,
  toPath: string,
): Promise<void> {
  if (to.importFile && from instanceof LocalStore) {
    return await to.importFile(from.describe(path), toPath);
  }
  const size = (await from.size(path)) ?? 0;
  const tmp = await to.openAppend(`${toPath}.tmp`, 0);
  try {
    for (let at = 0; at < size; at += COPY_PIECE) {
      tmp.append(await from.readAt(path, at, Math.min(COPY_PIECE, size - at)));
    }
    await tmp.sync();
  } finally {
    tmp.close();
  }
  await to.rename(`${toPath}.tmp`, toPath);
}

/** Manages the chunk being written. */
export class ChunkWriter {
  private file: AppendFile | undefined;
  /** The open chunk's seek entries, as durable as the chunk (`state/open-frames.bin`). */
  private frameLog: OpenFramesLog | undefined;
  private readonly thread: ThreadChunkAppender;
  private readonly inline: InlineChunkAppender;
  private appender: ChunkAppender | undefined;
  private checkFrom = 0;
  /** The chunk being written, or null. */
  state: OpenChunkState | null = null;

  /**
   * `useThread`: append and hash local chunk files on a writer thread (the default); `spares`:
   * where that thread's written frames go back (see {@link FrameSpares}).
   */
  constructor(
    readonly out: Store,
    readonly stage: Store | undefined,
    readonly useThread = true,
    spares?: FrameSpares,
  ) {
    this.thread = new ThreadChunkAppender(spares);
    this.inline = new InlineChunkAppender(spares);
  }

  /** Starts appending to the open file, whose first `c.bytes` bytes are written already. */
  private beginAppending(file: AppendFile, c: OpenChunkState): void {
    this.file = file;
    this.appender = this.useThread && threadCanAppend(file) ? this.thread : this.inline;
    this.appender.begin(file, c.bytes);
  }

  private storeOf(c: OpenChunkState): Store {
    return c.location === "stage" && this.stage ? this.stage : this.out;
  }

  private openPath(c: OpenChunkState): string {
    return `${chunkFileName(c.id)}${OPEN_SUFFIX}`;
  }

  /** After a kill: take the open chunk back, cut to its durable length. */
  async resume(c: OpenChunkState): Promise<void> {
    const store = this.storeOf(c);
    const final = chunkFileName(c.id);
    if ((await store.size(this.openPath(c))) === null) {
      // Killed between sealing (the move into place) and the state update: take it back.
      if (store === this.out) await this.out.rename(final, this.openPath(c));
      else await copyFile(this.out, final, store, this.openPath(c));
    }
    if (store !== this.out) await this.out.remove(final); // a copy made before the kill
    this.beginAppending(await store.openAppend(this.openPath(c), c.bytes), c);
    this.frameLog = await OpenFramesLog.open(this.out, c.id, c.frames);
    this.state = c;
    this.checkFrom = c.frames.length;
  }

  /**
   * Reopens the sealed open tail `last` to append to it. `record` is called (with
   * {@link state} already set to the reopened chunk) before its file is touched (a kill from then on resumes through
   * {@link resume}, which takes the sealed file back and cuts its seek table off).
   */
  async reopen(last: ChunkEntry, record: () => Promise<void>): Promise<void> {
    const table = await readChunkTable(this.out, last.file);
    const c: OpenChunkState = {
      id: last.id,
      frames: table.entries,
      bytes: table.framesBytes,
      firstHeight: last.firstHeight,
      blocks: last.blocks,
      rawBytes: last.rawBytes,
      location: "out",
    };
    this.frameLog = await OpenFramesLog.open(this.out, c.id, c.frames);
    this.state = c;
    await record();
    await this.out.rename(last.file, this.openPath(c));
    this.beginAppending(await this.out.openAppend(this.openPath(c), c.bytes), c);
    this.checkFrom = c.frames.length;
  }

  /** Starts a new, empty chunk. */
  async start(id: number, firstHeight: number): Promise<void> {
    const c: OpenChunkState = {
      id,
      frames: [],
      bytes: 0,
      firstHeight,
      blocks: 0,
      rawBytes: 0,
      location: this.stage ? "stage" : "out",
    };
    this.beginAppending(await this.storeOf(c).openAppend(this.openPath(c), 0), c);
    this.frameLog = await OpenFramesLog.open(this.out, id, []);
    this.state = c;
    this.checkFrom = 0;
  }

  /**
   * Appends one compressed frame of `blocks` blocks and `rawBytes` uncompressed bytes. The
   * frame's buffer is given away (transferred to the writer thread): do not use it afterwards.
   * Resolves once there is room for more (the write itself may still be under way).
   */
  async append(
    frame: Uint8Array,
    checksum: number,
    rawBytes: number,
    blocks: number,
  ): Promise<void> {
    const c = this.state!;
    const entry = { compressed: frame.length, decompressed: rawBytes, checksum };
    c.frames.push(entry);
    this.frameLog!.add(entry);
    c.bytes += entry.compressed;
    c.blocks += blocks;
    c.rawBytes += rawBytes;
    await this.appender!.append(frame);
  }

  /** fsyncs the open chunk and the list of its frames. */
  async sync(): Promise<void> {
    const chunk = this.appender?.drain().then(() => this.file?.sync());
    await Promise.all([chunk, this.frameLog?.sync()]);
  }

  /** Re-reads and checks the frames written since the last check; returns how many. */
  async checkRecent(): Promise<number> {
    const c = this.state!;
    await this.appender!.drain();
    const xxh = await newXxh64();
    let offset = 0, checked = 0;
    for (let i = 0; i < c.frames.length; i++) {
      const e = c.frames[i]!;
      if (i >= this.checkFrom) {
        const buf = new Uint8Array(e.compressed);
        this.file!.readAt(buf, offset);
        verifyFrame(buf, e, xxh, { file: this.openPath(c), frame: i, offset });
        checked++;
      }
      offset += e.compressed;
    }
    this.checkFrom = c.frames.length;
    return checked;
  }

  /** Appends the seek table, moves the chunk into place and returns its manifest entry. */
  async seal(openTail: boolean): Promise<ChunkEntry> {
    const c = this.state!;
    const table = encodeSeekTable(c.frames);
    const tableBytes = table.length;
    await this.appender!.append(table);
    await this.appender!.drain();
    await this.file!.sync();
    const sha256 = await this.appender!.digest();
    this.appender = undefined;
    this.file!.close();
    this.file = undefined;
    this.frameLog!.close(); // the seek table has them now; the file goes once no record names it
    this.frameLog = undefined;
    const store = this.storeOf(c);
    const final = chunkFileName(c.id);
    if (store !== this.out) {
      await copyFile(store, this.openPath(c), this.out, final);
      await store.remove(this.openPath(c));
    } else await this.out.rename(this.openPath(c), final);
    this.state = null;
    return {
      id: c.id,
      file: final,
      firstHeight: c.firstHeight,
      lastHeight: c.firstHeight + c.blocks - 1,
      blocks: c.blocks,
      frames: c.frames.length,
      rawBytes: c.rawBytes,
      storedBytes: c.bytes + tableBytes,
      sha256,
      open: openTail,
    };
  }

  /** Closes the file without sealing, and stops the writer thread. */
  close(): void {
    this.appender?.close();
    this.appender = undefined;
    this.thread.close();
    this.file?.close();
    this.file = undefined;
    this.frameLog?.close();
    this.frameLog = undefined;
  }
}
