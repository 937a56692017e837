/**
 * Accumulates blocks into one frame's worth of linearized blk records
 * (`[magic][len u32 LE][block]`, the format Bitcoin Core's `-loadblock`
 * reads) and their height-index records — in byte buffers, no object per
 * block. With `"reuse"`, a frame's buffer is handed out as it is (no copy)
 * and comes back through {@link FrameBuilder.recycle} once compressed, so a
 * long run allocates a few frame buffers instead of one per frame. With
 * `"blocks"` the blocks are not copied at all: a frame is the list of its
 * blocks, which compression joins into records (on a worker thread).
 *
 * @module
 */

import { RECORD_HEADER_SIZE, recordSize, writeRecordHeader } from "../bitcoin/blk_record.ts";
import { encodeIndexRecord, INDEX_RECORD_SIZE } from "./height_index.ts";

/**
 * What a builder does with the bytes: `"copy"` hands out a copy of each frame, `"reuse"` its own
 * buffer (given back with {@link FrameBuilder.recycle}), `"blocks"` the frame's blocks uncopied.
 */
export type FrameBuffers = "copy" | "reuse" | "blocks";

/** A finished frame. */
export interface BuiltFrame {
  /** Linearized records (empty with `"blocks"`). */
  raw: Uint8Array;
  /** With `"blocks"`: the frame's blocks, in order, to be written as records. */
  blockList?: Uint8Array[];
  /** Uncompressed bytes of the frame (`raw.length`, or the records the blocks make). */
  rawBytes: number;
  /** Index records (128 bytes per block). */
  index: Uint8Array;
  /** Blocks in the frame. */
  blocks: number;
}

/** Builds frames for one chunk position at a time. */
export class FrameBuilder {
  private raw = new Uint8Array(4 << 20);
  private index = new Uint8Array(INDEX_RECORD_SIZE * 256);
  private size = 0;
  private readonly spare: ArrayBuffer[] = [];
  private blockList: Uint8Array[] = [];
  /** Blocks added to the current frame. */
  blocks = 0;

  /** `buffers`: see {@link FrameBuffers}. */
  constructor(readonly magic: Uint8Array, readonly buffers: FrameBuffers = "copy") {
    if (buffers === "blocks") this.raw = new Uint8Array(0);
  }

  /** Uncompressed bytes in the current frame. */
  get rawSize(): number {
    return this.size;
  }

  /** Appends a block (chunk and frame numbers go into its index record). */
  add(bytes: Uint8Array, hash: Uint8Array, chunk: number, frame: number): void {
    const need = this.size + recordSize(bytes.length);
    if (this.buffers === "blocks") this.blockList.push(bytes);
    else if (need > this.raw.length) {
      const next = new Uint8Array(Math.max(need, 2 * this.raw.length));
      next.set(this.raw.subarray(0, this.size));
      this.raw = next;
    }
    const at = this.size;
    if (this.buffers !== "blocks") {
      writeRecordHeader(this.raw, at, this.magic, bytes.length);
      this.raw.set(bytes, at + RECORD_HEADER_SIZE);
    }
    this.size = need;
    if ((this.blocks + 1) * INDEX_RECORD_SIZE > this.index.length) {
      const next = new Uint8Array(2 * this.index.length);
      next.set(this.index);
      this.index = next;
    }
    encodeIndexRecord(this.index, this.blocks * INDEX_RECORD_SIZE, {
      chunk,
      frame,
      offset: at,
      size: bytes.length,
      hash,
      header: bytes,
    });
    this.blocks++;
  }

  /**
   * Returns the current frame and starts an empty one. With `"copy"` the bytes are a copy; with
   * `"reuse"` they are a view of the builder's buffer from offset 0, which is the caller's now
   * (transfer it whole) until given back to {@link recycle}; with `"blocks"` the blocks as added.
   */
  take(): BuiltFrame {
    let raw: Uint8Array;
    let blockList: Uint8Array[] | undefined;
    if (this.buffers === "blocks") {
      raw = this.raw;
      blockList = this.blockList;
      this.blockList = [];
    } else if (this.buffers === "reuse") {
      raw = this.raw.subarray(0, this.size);
      const spare = this.spare.pop();
      this.raw = spare ? new Uint8Array(spare) : new Uint8Array(this.raw.length);
    } else raw = this.raw.slice(0, this.size);
    const out: BuiltFrame = {
      raw,
      rawBytes: this.size,
      index: this.index.slice(0, this.blocks * INDEX_RECORD_SIZE),
      blocks: this.blocks,
    };
    if (blockList) out.blockList = blockList;
    this.size = 0;
    this.blocks = 0;
    return out;
  }

  /**
   * Takes back the buffer of a frame from {@link take} once nothing reads it any more (a few are
   * kept; smaller ones than the builder needs now are dropped).
   */
  recycle(raw: Uint8Array): void {
    const b = raw.buffer;
    if (this.buffers !== "reuse" || !(b instanceof ArrayBuffer) || b.byteLength < this.raw.length) {
      return;
    }
    if (this.spare.length < 8) this.spare.push(b);
  }
}
