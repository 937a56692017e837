/**
 * A growing slab of fixed-width index entries that becomes one sorted
 * segment at a checkpoint, and the k-way merge that folds many segments of
 * one layout into one (compaction).
 *
 * @module
 */

import type { Xxh64 } from "../hash/xxh64.ts";
import { mergeSources } from "../segment/memory_run.ts";
import { sortInPlace } from "../segment/sort_in_place.ts";
import { Segment } from "../segment/segment.ts";
import { SegmentWriter } from "../segment/segment_writer.ts";
import { segmentSource } from "../segment/utxo_merge.ts";

/** Widths of an entry: whole, key, sort prefix. */
export interface EntryLayout {
  readonly entryWidth: number;
  readonly keyWidth: number;
  readonly sortWidth: number;
}

/** Entries appended in chain order, sorted when written. */
export class EntryBatch {
  /** The entries, back to back. */
  slab: Uint8Array;
  /** Number of entries. */
  count = 0;

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
    writeSortedSegment(this.slab, this.count, this.layout, path, xxh, flags);
    this.count = 0;
    if (this.slab.length > this.layout.entryWidth * (1 << 20)) {
      this.slab = new Uint8Array(this.layout.entryWidth * 4096); // give a large slab back
    }
  }

  /** Takes back a slab handed over earlier ({@link handOver}) when it is larger than the one in use. */
  adopt(slab: Uint8Array): void {
    const used = this.count * this.layout.entryWidth;
    if (slab.length <= this.slab.length) return;
    slab.set(this.slab.subarray(0, used));
    this.slab = slab;
  }

  /** Hands the entries over (to be written elsewhere) and starts again with a small slab. */
  handOver(): { slab: Uint8Array; count: number } {
    const given = { slab: this.slab, count: this.count };
    this.slab = new Uint8Array(this.layout.entryWidth * 4096);
    this.count = 0;
    return given;
  }
}

/**
 * Sorts the first `count` entries of `slab` where they lie and writes them as the segment `path`
 * (durable on return): {@link EntryBatch.writeSegment}, also run by the index's segment writer
 * thread on a slab handed over to it.
 */
export function writeSortedSegment(
  slab: Uint8Array,
  count: number,
  layout: EntryLayout,
  path: string,
  xxh: Xxh64,
  flags = 0,
): void {
  // Sorted where they lie, then written in order: no second copy of the slab and no index
  // order (the budget counts the slab once), no random gather over it.
  sortInPlace(slab, count, layout.entryWidth, layout.sortWidth);
  const w = SegmentWriter.createWith(path, {
    entryWidth: layout.entryWidth,
    keyWidth: layout.keyWidth,
    sortWidth: layout.sortWidth,
    capacity: count,
    flags,
    bloomLayout: "prefix", // txid-keyed: uniform in the first four bytes
  }, xxh);
  w.add(slab, 0, count);
  w.finish();
}

/** Merges the segments at `paths` (one layout) into the new segment `out`; the inputs stay. */
export function mergeSegments(paths: string[], layout: EntryLayout, out: string, xxh: Xxh64): void {
  const segs = paths.map((p) => Segment.openWith(p, xxh));
  try {
    const w = SegmentWriter.createWith(out, {
      ...layout,
      capacity: segs.reduce((c, s) => c + s.count, 0),
      bloomLayout: "prefix",
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
