/**
 * The one framing implementation: consecutive blocks grouped into frames of
 * about `frameBytes` uncompressed bytes (a frame ends after the block that
 * reaches the size) and frames into chunks by the chunk policy. Used by the
 * `frameBlocks` stream stage and by collect alike, so both write the same
 * bytes for the same blocks.
 *
 * @module
 */

import { hashToHex } from "../bytes/hex.ts";
import { recordSize } from "../bitcoin/blk_record.ts";
import { type FrameBuffers, FrameBuilder } from "./frame_builder.ts";
import type { FrameJob } from "./frame_job.ts";
import { chunkIsFull, type ChunkPolicy } from "./manifest.ts";

/** How frames and chunks are cut. */
export interface FrameLayout {
  /** Network magic (starts every record). */
  magic: Uint8Array;
  /** Aimed uncompressed bytes per frame. */
  frameBytes: number;
  /** When a chunk is full. */
  chunkPolicy: ChunkPolicy;
}

/** Where framing continues: the next height and the open chunk's counts. */
export interface FramePosition {
  /** Height of the next block. */
  nextHeight: number;
  /** Chunk the next frame goes to. */
  chunk: number;
  /** Blocks already in that chunk. */
  chunkBlocks: number;
  /** Uncompressed bytes already in that chunk. */
  chunkRaw: number;
  /** Frames already in that chunk. */
  chunkFrames: number;
}

/** A position at the start of an empty archive. */
export function startPosition(startHeight: number): FramePosition {
  return { nextHeight: startHeight, chunk: 0, chunkBlocks: 0, chunkRaw: 0, chunkFrames: 0 };
}

/**
 * Frames blocks. Add blocks with {@link add}; when {@link ready} says so (or
 * at the end) {@link close} the frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Framer, startPosition } from "./framer.ts";
 * const f = new Framer(
 *   { magic: Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda), frameBytes: 100, chunkPolicy: { blocks: 2 } },
 *   startPosition(0),
 * );
 * f.add(new Uint8Array(90), new Uint8Array(32), 0);
 * assert(!f.ready);
 * f.add(new Uint8Array(90), new Uint8Array(32), 1);
 * const job = f.close("", null)!;
 * assert(job.blocks === 2 && job.endsChunk && f.position.chunk === 1);
 * ```
 */
export class Framer {
  private readonly frames: FrameBuilder;
  private pos: FramePosition;
  private first: number;
  private lastHash = "";

  /** `buffers`: what becomes of the blocks' bytes (see {@link FrameBuffers}). */
  constructor(
    readonly layout: FrameLayout,
    position: FramePosition,
    buffers: FrameBuffers = "copy",
  ) {
    this.frames = new FrameBuilder(layout.magic, buffers);
    this.pos = { ...position };
    this.first = position.nextHeight;
  }

  /** The position after the blocks added so far (a copy). */
  get position(): FramePosition {
    return { ...this.pos };
  }

  /** Blocks in the current (unclosed) frame. */
  get blocks(): number {
    return this.frames.blocks;
  }

  /** The open chunk is full. */
  get chunkFull(): boolean {
    return chunkIsFull(this.layout.chunkPolicy, this.pos.chunkBlocks, this.pos.chunkRaw);
  }

  /** The current frame should be closed now (size reached or chunk full). */
  get ready(): boolean {
    return this.frames.rawSize >= this.layout.frameBytes || this.chunkFull;
  }

  /** Gives back a closed frame's buffer once nothing reads it (with `"reuse"`). */
  recycle(raw: Uint8Array): void {
    this.frames.recycle(raw);
  }

  /** Adds the block at `height` (must be the next height). */
  add(bytes: Uint8Array, hash: Uint8Array, height: number): void {
    if (height !== this.pos.nextHeight) {
      throw new RangeError(`Framer expects height ${this.pos.nextHeight}, got ${height}`);
    }
    this.frames.add(bytes, hash, this.pos.chunk, this.pos.chunkFrames);
    this.pos.chunkBlocks++;
    this.pos.chunkRaw += recordSize(bytes.length);
    this.pos.nextHeight = height + 1;
    this.lastHash = hashToHex(hash);
  }

  /**
   * Closes the current frame into a job carrying `rejects` lines; `checkpoint` decides its
   * resume point from the frame's uncompressed size and whether it ends the chunk. Returns null
   * when there is nothing to write (no block and no rejects line).
   */
  close(
    rejects: string,
    checkpoint: ((rawBytes: number, endsChunk: boolean) => unknown) | null,
  ): FrameJob | null {
    if (this.frames.blocks === 0 && rejects.length === 0) return null;
    const endsChunk = this.chunkFull;
    const built = this.frames.take();
    const job: FrameJob = {
      chunk: this.pos.chunk,
      raw: built.raw,
      ...(built.blockList
        ? { records: { magic: this.layout.magic, blocks: built.blockList } }
        : {}),
      index: built.index,
      blocks: built.blocks,
      firstHeight: this.first,
      lastHeight: this.pos.nextHeight - 1,
      lastHash: this.lastHash,
      rejects,
      endsChunk,
      checkpoint: checkpoint ? checkpoint(built.rawBytes, endsChunk) : null,
    };
    if (built.blocks > 0) this.pos.chunkFrames++;
    this.first = this.pos.nextHeight;
    if (endsChunk) {
      const next = this.pos.chunk + 1;
      this.pos = { ...this.pos, chunk: next, chunkBlocks: 0, chunkRaw: 0, chunkFrames: 0 };
    }
    return job;
  }
}
