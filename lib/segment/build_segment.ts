/**
 * Builds one segment from unsorted entries with bounded memory: entries
 * are gathered into runs of at most `memoryBytes`, each run sorted and
 * spilled to a temporary segment, then all runs are k-way merged into the
 * output (streaming).
 *
 * @module
 */

import { copyBytes } from "./compare.ts";
import {
  type MemoryRun,
  mergeSources,
  runSource,
  type SortedSource,
  sortEntries,
} from "./memory_run.ts";
import { Segment } from "./segment.ts";
import { SegmentWriter, type SegmentWriterOptions } from "./segment_writer.ts";
import { segmentSource } from "./utxo_merge.ts";

/** Accumulates entries and writes the sorted segment on {@link SegmentBuilder.finish}. */
export class SegmentBuilder {
  private slab: Uint8Array;
  private count = 0;
  private total = 0;
  private readonly spilled: string[] = [];
  private readonly tmpDir: string;

  constructor(
    readonly path: string,
    readonly options: Omit<SegmentWriterOptions, "capacity">,
    readonly memoryBytes = 64 << 20,
  ) {
    const w = options.entryWidth;
    this.slab = new Uint8Array(Math.max(w, Math.floor(memoryBytes / w) * w));
    this.tmpDir = `${path}.runs`;
  }

  /** Adds one entry (copied). */
  async add(entry: Uint8Array, at = 0): Promise<void> {
    const w = this.options.entryWidth;
    if ((this.count + 1) * w > this.slab.length) await this.spill();
    copyBytes(this.slab, this.count * w, entry, at, w);
    this.count++;
    this.total++;
  }

  private sortedRun(): MemoryRun {
    const { entryWidth: w, sortWidth } = this.options;
    return { slab: sortEntries(this.slab, this.count, w, sortWidth), count: this.count };
  }

  private async spill(): Promise<void> {
    if (this.count === 0) return;
    Deno.mkdirSync(this.tmpDir, { recursive: true });
    const p = `${this.tmpDir}/run-${this.spilled.length}.seg`;
    const run = this.sortedRun();
    const w = await SegmentWriter.create(p, { ...this.options, capacity: run.count });
    w.add(run.slab, 0, run.count);
    w.finish();
    this.spilled.push(p);
    this.count = 0;
  }

  /** Sorts, merges and writes the output; returns the number of entries. */
  async finish(): Promise<number> {
    const w = this.options.entryWidth;
    const sources: SortedSource[] = [];
    const segments: Segment[] = [];
    try {
      for (const p of this.spilled) {
        const s = await Segment.open(p);
        segments.push(s);
        sources.push(segmentSource(s));
      }
      if (this.count > 0) sources.push(runSource(this.sortedRun(), w));
      const writer = await SegmentWriter.create(this.path, {
        ...this.options,
        capacity: this.total,
      });
      try {
        mergeSources(sources, w, this.options.sortWidth, (b, at) => writer.add(b, at));
        writer.finish();
      } catch (e) {
        writer.abandon();
        throw e;
      }
      return this.total;
    } finally {
      for (const s of segments) s.close();
      if (this.spilled.length > 0) Deno.removeSync(this.tmpDir, { recursive: true });
    }
  }
}
