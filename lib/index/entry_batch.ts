/**
 * A growing slab of fixed-width index entries that becomes one sorted
 * segment at a checkpoint, and the k-way merge that folds many segments of
 * one layout into one (compaction).
 *
 * @module
 */

import type { Xxh64 } from "../hash/xxh64.ts";
import { mergeSources, sortOrder } from "../segment/memory_run.ts";
import { Segment } from "../segment/segment.ts";
import { SegmentWriter } from "../segment/segment_writer.ts";
import { segmentSource } from "../segment/utxo_merge.ts";

/** Widths of an entry: whole, key, sort prefix. */
export interface EntryLayout {
  readonly entryWidth: number;
  readonly keyWidth: number;
  readonly sortWidth: number;
}

/** Entries touched ahead of writing them in sorted order. */
const GATHER_RUN = 64;

/** Entries appended in chain order, sorted when written. */
export class EntryBatch {
  /** The entries, back to back. */
  slab: Uint8Array;
  /** Number of entries. */
  count = 0;
  /** What the gather's touch loads read (kept so that they are not optimised away). */
  touched = 0;

  constructor(readonly layout: EntryLayout) {
    this.slab = new Uint8Array(layout.entryWidth * 4096);
  }

  /** Makes room for `n` more entries; returns the byte offset of the next one. */
  reserve(n: number): number {
    const need = (this.count + n) * this.layout.entryWidth;
    if (need > this.slab.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.slab.length));
      grown.set(this.slab.subarray(0, this.count * this.layout.entryWidth));
      this.slab = grown;
    }
    return this.count * this.layout.entryWidth;
  }

  /** Writes the entries, sorted, as the segment `path` (durable on return) and empties the batch. */
  writeSegment(path: string, xxh: Xxh64, flags = 0): void {
    const { entryWidth, sortWidth } = this.layout;
    // Sorted by index, written in place: no second copy of the slab (the budget counts it once).
    const order = sortOrder(this.slab, this.count, entryWidth, sortWidth);
    const w = SegmentWriter.createWith(path, { ...this.layout, capacity: this.count, flags }, xxh);
    const slab = this.slab;
    // Sorted order is a random gather over the slab: touch a run of entries first (independent
    // loads whose cache misses overlap), then write them from cache.
    for (let i = 0; i < this.count; i += GATHER_RUN) {
      const end = Math.min(this.count, i + GATHER_RUN);
      for (let j = i; j < end; j++) this.touched ^= slab[order[j]! * entryWidth]!;
      for (let j = i; j < end; j++) w.add(slab, order[j]! * entryWidth);
    }
    w.finish();
    this.count = 0;
    if (this.slab.length > this.layout.entryWidth * (1 << 20)) {
      this.slab = new Uint8Array(this.layout.entryWidth * 4096); // give a large slab back
    }
  }
}

/** Merges the segments at `paths` (one layout) into the new segment `out`; the inputs stay. */
export function mergeSegments(paths: string[], layout: EntryLayout, out: string, xxh: Xxh64): void {
  const segs = paths.map((p) => Segment.openWith(p, xxh));
  try {
    const w = SegmentWriter.createWith(out, {
      ...layout,
      capacity: segs.reduce((c, s) => c + s.count, 0),
    }, xxh);
    mergeSources(
      segs.map((s) => segmentSource(s)),
      layout.entryWidth,
      layout.sortWidth,
      (b, at) => w.add(b, at),
    );
    w.finish();
  } finally {
    for (const s of segs) s.close();
  }
}
