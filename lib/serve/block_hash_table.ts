/**
 * Block hash → height for a server: built once from the height index into
 * typed arrays (an open-addressing table of heights keyed by the hash's
 * first eight bytes; no object per block), confirmed against the index
 * record on a hit.
 *
 * @module
 */

import type { ArchiveReader } from "../archive/archive_reader.ts";
import { ARCHIVE_PATHS } from "../archive/manifest.ts";
import { INDEX_RECORD_SIZE, indexOffset } from "../archive/height_index.ts";

function word(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) | 0;
}

/** Heights by block hash (internal byte order). */
export class BlockHashTable {
  private slots = new Int32Array(0); // height + 1, 0 empty
  private fp = new Int32Array(0); // second word of the hash
  private mask = 0;
  private built = -1;

  constructor(private readonly reader: ArchiveReader) {}

  /** Adds heights up to the archive's tip (call again after it grew). */
  async update(): Promise<void> {
    const r = this.reader;
    const from = Math.max(this.built + 1, r.startHeight), to = r.tipHeight;
    if (from > to) return;
    const n = to - r.startHeight + 1;
    if (this.slots.length < 2 * n) {
      let size = 1024;
      while (size < 2 * n) size *= 2;
      this.slots = new Int32Array(size);
      this.fp = new Int32Array(size);
      this.mask = size - 1;
      this.built = r.startHeight - 1;
      return this.update();
    }
    const batch = 8192;
    for (let h = from; h <= to; h += batch) {
      const k = Math.min(batch, to - h + 1);
      const view = await r.store.readAt(
        ARCHIVE_PATHS.index,
        indexOffset(h, r.startHeight),
        k * INDEX_RECORD_SIZE,
      );
      for (let i = 0; i < k; i++) {
        const o = i * INDEX_RECORD_SIZE + 16;
        let s = word(view, o) & this.mask;
        while (this.slots[s] !== 0) s = (s + 1) & this.mask;
        this.slots[s] = h + i + 1;
        this.fp[s] = word(view, o + 4);
      }
    }
    this.built = to;
  }

  /** Height of the block with `hash`, or −1. */
  async height(hash: Uint8Array): Promise<number> {
    const w = word(hash, 4);
    for (let s = word(hash, 0) & this.mask; this.slots[s] !== 0; s = (s + 1) & this.mask) {
      if (this.fp[s] !== w) continue;
      const h = this.slots[s]! - 1;
      const rec = await this.reader.record(h);
      if (rec.hash.every((b, i) => b === hash[i])) return h;
    }
    return -1;
  }
}
