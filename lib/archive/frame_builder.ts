/**
 * Accumulates blocks into one frame's worth of linearized blk records
 * (`[magic][len u32 LE][block]`, the format Bitcoin Core's `-loadblock`
 * reads) and their height-index records — in byte buffers, no object per
 * block.
 *
 * @module
 */

import { RECORD_HEADER_SIZE, recordSize, writeRecordHeader } from "../bitcoin/blk_record.ts";
import { encodeIndexRecord, INDEX_RECORD_SIZE } from "./height_index.ts";

/** A finished frame. */
export interface BuiltFrame {
  /** Linearized records. */
  raw: Uint8Array;
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
  /** Blocks added to the current frame. */
  blocks = 0;

  constructor(readonly magic: Uint8Array) {}

  /** Uncompressed bytes in the current frame. */
  get rawSize(): number {
    return this.size;
  }

  /** Appends a block (chunk and frame numbers go into its index record). */
  add(bytes: Uint8Array, hash: Uint8Array, chunk: number, frame: number): void {
    const need = this.size + recordSize(bytes.length);
    if (need > this.raw.length) {
      const next = new Uint8Array(Math.max(need, 2 * this.raw.length));
      next.set(this.raw.subarray(0, this.size));
      this.raw = next;
    }
    const at = this.size;
    writeRecordHeader(this.raw, at, this.magic, bytes.length);
    this.raw.set(bytes, at + RECORD_HEADER_SIZE);
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

  /** Returns the current frame (copies) and starts an empty one. */
  take(): BuiltFrame {
    const out = {
      raw: this.raw.slice(0, this.size),
      index: this.index.slice(0, this.blocks * INDEX_RECORD_SIZE),
      blocks: this.blocks,
    };
    this.size = 0;
    this.blocks = 0;
    return out;
  }
}
