/**
 * The UTXO store: age-tiered in-memory runs over a list of disk segments.
 *
 * - `apply(height, adds, deletes)` turns one block's created and spent outputs into a sorted run
 *   (typed-array slab) at age 0; `fanIn` runs of an age merge into one of the next, and the
 *   deepest age spills to a new disk segment (seed 001's K_AGES / K_FAN_IN). Merges drop outputs
 *   created and spent at the same height.
 * - `compact(gcHeight)` merges all disk segments into one (streaming k-way merge), also dropping
 *   outputs spent below `gcHeight` with the adds they hide (queries with `before < gcHeight` are
 *   no longer exact); `compactTiered` is the chain index's size-tiered policy.
 * - Lookups go newest to oldest (age 0 … deepest age, then segments newest first); the first run
 *   with an event of the key inside the window decides.
 *
 * Memory runs are not persistent: `flush()` writes them to a segment (call it at your
 * checkpoints); `store.json` lists the durable segments.
 *
 * @module
 */

import { newXxh64, type Xxh64 } from "../hash/xxh64.ts";
import { writeFileAtomic } from "../store/local_store.ts";
import { countEqual } from "./compare.ts";
import {
  type MemoryRun,
  runLowerBound,
  runSource,
  type SortedSource,
  sortEntries,
} from "./memory_run.ts";
import { Segment } from "./segment.ts";
import { FLAG_UTXO } from "./segment_format.ts";
import { SegmentWriter } from "./segment_writer.ts";
import {
  encodeUtxoEntry,
  lastResolvedHeight,
  OP_ADD,
  OP_DELETE,
  resolveUtxo,
  UTXO_ABSENT,
  UTXO_ENTRY_WIDTH,
  UTXO_KEY_WIDTH,
  UTXO_SORT_WIDTH,
  UTXO_SPENT,
} from "./utxo_entry.ts";
import { mergeFiltered, mergeGuarded, mergeRuns, segmentSource } from "./utxo_merge.ts";
import { filtersToDrop } from "./resident_filters.ts";
import { tieredMerge } from "./tiered_merge.ts";
import type { UtxoStoreOptions, UtxoStoreState, UtxoStoreStats } from "./utxo_store_state.ts";
import { loadUtxoState } from "./utxo_store_state.ts";

export * from "./utxo_store_state.ts";

const W = UTXO_ENTRY_WIDTH;

/** A UTXO store in a directory. */
export class UtxoStore {
  private readonly ages: MemoryRun[][];
  private readonly fanIn: number;
  private readonly maxMemory: number;
  private memoryBytes = 0;
  private readonly managed: boolean;
  /** Creation height of the output the last {@link get} found unspent. */
  foundHeight = -1;

  private constructor(
    readonly dir: string,
    private readonly current: UtxoStoreState,
    private segments: Segment[],
    private readonly xxh: Xxh64,
    options: UtxoStoreOptions,
  ) {
    this.managed = options.managed != null;
    this.ages = Array.from({ length: Math.max(1, options.ages ?? 3) }, () => []);
    this.fanIn = Math.max(2, options.fanIn ?? 8);
    this.maxMemory = options.maxMemoryBytes ?? 128 << 20;
  }

  /** Opens (or creates) the store in `dir`. */
  static async open(dir: string, options: UtxoStoreOptions = {}): Promise<UtxoStore> {
    Deno.mkdirSync(dir, { recursive: true });
    const state = loadUtxoState(dir, options.managed);
    const xxh = await newXxh64();
    const segments: Segment[] = [];
    try {
      for (const name of state.segments) segments.push(Segment.openWith(`${dir}/${name}`, xxh));
    } catch (e) {
      segments.forEach((s) => s.close());
      throw e;
    }
    return new UtxoStore(dir, state, segments, xxh, options);
  }

  /** Height below which history was compacted away. */
  get gcHeight(): number {
    return this.current.gcHeight;
  }

  /** The durable content as of the last {@link flush} or compaction (a copy). */
  get state(): UtxoStoreState {
    return {
      ...this.current,
      segments: this.segments.map((s) => s.path.slice(this.dir.length + 1)),
    };
  }

  /** Bytes held in memory: the memory runs and every segment's bloom filter and directory. */
  residentBytes(): number {
    return this.segments.reduce((n, s) => n + s.residentBytes, this.memoryBytes);
  }

  /**
   * Keeps {@link residentBytes} within `budget` where the bloom filters allow, the oldest
   * segment's also within `oldestBudget` ({@link filtersToDrop}); dropped filters are read back
   * once there is room. A function of the segments and the two budgets.
   */
  fitResident(budget: number, oldestBudget = Infinity): void {
    const p = filtersToDrop(this.segments, this.memoryBytes, budget, oldestBudget);
    this.segments.forEach((s, i) => i < p ? s.dropBloom() : s.loadBloom(this.xxh));
  }

  /** Counters. */
  stats(): UtxoStoreStats {
    return {
      memoryEntries: this.ages.flat().reduce((n, r) => n + r.count, 0),
      runsPerAge: this.ages.map((a) => a.length),
      segments: this.segments.length,
      diskEntries: this.segments.reduce((n, s) => n + s.count, 0),
      withoutBloom: this.segments.filter((s) => s.bloom === null).length,
    };
  }

  /**
   * Records one block: `adds` outpoints (36 bytes each, back to back) with
   * their value ids, and spent outpoints `deletes`, at `height`.
   */
  apply(
    height: number,
    adds: Uint8Array,
    addValues: ArrayLike<number>,
    deletes: Uint8Array = new Uint8Array(0),
  ): void {
    const nAdd = adds.length / UTXO_KEY_WIDTH, nDel = deletes.length / UTXO_KEY_WIDTH;
    if (!Number.isInteger(nAdd) || !Number.isInteger(nDel) || addValues.length !== nAdd) {
      throw new RangeError("apply: keys must be 36 bytes each, one value id per added key");
    }
    const n = nAdd + nDel;
    if (n === 0) return;
    const slab = new Uint8Array(n * W);
    for (let i = 0; i < nAdd; i++) {
      encodeUtxoEntry(slab, i * W, adds, i * UTXO_KEY_WIDTH, height, OP_ADD, addValues[i]!);
    }
    for (let i = 0; i < nDel; i++) {
      encodeUtxoEntry(slab, (nAdd + i) * W, deletes, i * UTXO_KEY_WIDTH, height, OP_DELETE, 0);
    }
    this.ages[0]!.push({ slab: sortEntries(slab, n, W, UTXO_SORT_WIDTH), count: n });
    this.memoryBytes += n * W;
    if (this.memoryBytes > this.maxMemory) this.spill(this.ages.flatMap((a) => a.splice(0)));
    else this.cascade();
  }

  private cascade(): void {
    for (let a = 0; a < this.ages.length; a++) {
      if (this.ages[a]!.length < this.fanIn) return;
      const runs = this.ages[a]!.splice(0);
      if (a + 1 < this.ages.length) {
        const merged = mergeRuns(runs);
        this.memoryBytes -= runs.reduce((n, r) => n + r.count * W, 0) - merged.count * W;
        this.ages[a + 1]!.push(merged);
      } else this.spill(runs);
    }
  }

  private spill(runs: MemoryRun[]): void {
    const count = runs.reduce((n, r) => n + r.count, 0);
    this.memoryBytes -= count * W;
    this.append(runs.map((r) => runSource(r, W)), count);
  }

  /** Writes `sources` merged as the newest segment and records the store's state. */
  private append(sources: SortedSource[], count: number): void {
    const seg = this.writeSegment(sources, count, -1);
    if (seg) this.segments.push(seg);
    this.saveState();
  }

  /** Writes merged `sources` (oldest first) as a new segment; with gc ≥ 0 applies bottom-level GC. */
  private writeSegment(
    sources: SortedSource[],
    capacity: number,
    gc: number,
    guard?: (key: Uint8Array, at: number) => boolean,
  ): Segment | null {
    const name = `${String(this.current.nextSegment).padStart(8, "0")}.seg`;
    const path = `${this.dir}/${name}`;
    const writer = SegmentWriter.createWith(path, {
      keyWidth: UTXO_KEY_WIDTH,
      sortWidth: UTXO_SORT_WIDTH,
      entryWidth: W,
      flags: FLAG_UTXO,
      capacity,
      bloomLayout: "prefix", // keys start with a txid
    }, this.xxh);
    try {
      if (guard) mergeGuarded(sources, guard, (b, at) => writer.add(b, at));
      else mergeFiltered(sources, gc, (b, at) => writer.add(b, at));
      if (writer.count === 0 && gc < 0) {
        writer.abandon();
        return null;
      }
      writer.finish();
    } catch (e) {
      writer.abandon();
      throw e;
    }
    const seg = Segment.openWith(path, this.xxh);
    this.current.nextSegment++;
    return seg;
  }

  private saveState(): void {
    this.current.segments = this.segments.map((s) => s.path.slice(this.dir.length + 1));
    if (this.managed) return;
    writeFileAtomic(`${this.dir}/store.json`, JSON.stringify(this.state, null, 2) + "\n");
  }

  /**
   * Writes the entries `source` yields (sorted, `count` of them, each with
   * its own height and op) straight to a new disk segment, beside the
   * memory runs: for a caller that keeps its own cache of the newest events.
   */
  writeSorted(source: SortedSource, count: number): void {
    if (count > 0) this.append([source], count);
  }

  /** Writes every memory run to one new disk segment (durable after this resolves). */
  flush(): void {
    const runs = this.ages.flatMap((a) => a.splice(0));
    if (runs.length > 0) this.spill(runs);
    else this.saveState();
  }

  /** True when {@link compactTiered} would merge segments now. */
  get compactionDue(): boolean {
    return tieredMerge(this.segments.map((x) => x.count)) > 0;
  }

  /**
   * The chain index's size-tiered compaction ({@link tieredMerge}): the newest segments folded
   * into one; when the fold reaches the oldest, the bottom merge, which also forgets outputs spent
   * below `gcHeight`. Each entry is rewritten O(log n) times and the segments stay few.
   */
  compactTiered(gcHeight: number): void {
    const k = tieredMerge(this.segments.map((x) => x.count));
    if (k === this.segments.length) this.compact(gcHeight);
    else if (k > 0) this.compactNewest(k, gcHeight);
  }

  /**
   * Merges the newest `k` disk segments into one (a tier up, not the bottom
   * level): outputs created and spent inside them go when no older segment's
   * bloom filter may hold their key (or, without its filter, holds it). History
   * inside them is no longer exact (the store's gcHeight rises to `gcHeight`).
   */
  compactNewest(k: number, gcHeight: number): void {
    if (k >= this.segments.length) return this.compact(gcHeight);
    const older = this.segments.slice(0, this.segments.length - k);
    const newer = this.segments.slice(this.segments.length - k);
    // An older segment whose filter was dropped (fitResident) is asked exactly.
    const guard = (key: Uint8Array, at: number) =>
      older.some((o) =>
        o.bloom === null ? o.peek(key, at) !== null : o.bloom.mayContain(key, at, UTXO_KEY_WIDTH)
      );
    this.replace(older, newer, gcHeight, () =>
      this.writeSegment(
        newer.map((x) => segmentSource(x)),
        newer.reduce((n, x) => n + x.count, 0),
        -1,
        guard,
      ));
  }

  /** The bottom merge: all disk segments into one, outputs spent below `gcHeight` dropped. */
  compact(gcHeight = this.current.gcHeight): void {
    if (this.segments.length === 0) return;
    const old = this.segments;
    this.replace([], old, gcHeight, () =>
      this.writeSegment(
        old.map((s) => segmentSource(s)),
        old.reduce((n, s) => n + s.count, 0),
        gcHeight,
      ));
  }

  /**
   * Puts the segment `write` makes of `merged` in their place after `older`, then deletes them.
   * Their filters go first — the new segment's takes their place, so a merge does not hold both
   * — and come back if the write fails.
   */
  private replace(
    older: Segment[],
    merged: Segment[],
    gcHeight: number,
    write: () => Segment | null,
  ): void {
    for (const x of merged) x.dropBloom();
    let seg: Segment | null;
    try {
      seg = write();
    } catch (e) {
      for (const x of merged) x.loadBloom(this.xxh);
      throw e;
    }
    this.segments = seg ? [...older, seg] : older;
    this.current.gcHeight = Math.max(this.current.gcHeight, gcHeight);
    this.saveState();
    for (const x of merged) {
      x.close();
      if (!this.managed) Deno.removeSync(x.path);
    }
  }

  /** The memory runs' verdict for a key (newest run first): value id, UTXO_SPENT or UTXO_ABSENT. */
  private resolveInMemory(key: Uint8Array, at: number, before: number, since: number): number {
    for (const age of this.ages) {
      for (let r = age.length - 1; r >= 0; r--) {
        const run = age[r]!;
        const first = runLowerBound(run, W, key, at, UTXO_KEY_WIDTH);
        const count = countEqual(run.slab, run.count, W, first, key, at, UTXO_KEY_WIDTH);
        if (count === 0) continue;
        const v = resolveUtxo(run.slab, first, count, since, before);
        if (v !== UTXO_ABSENT) return v;
      }
    }
    return UTXO_ABSENT;
  }

  /**
   * The value id of `key[at..at+36)` if unspent considering events in
   * [since, before), else -1.
   */
  get(key: Uint8Array, at = 0, before = Number.POSITIVE_INFINITY, since = 0): number {
    const m = this.resolveInMemory(key, at, before, since);
    if (m !== UTXO_ABSENT) {
      this.foundHeight = m === UTXO_SPENT ? -1 : lastResolvedHeight();
      return m === UTXO_SPENT ? -1 : m;
    }
    for (let s = this.segments.length - 1; s >= 0; s--) {
      const seg = this.segments[s]!;
      if (seg.header.minHeight >= before || seg.header.maxHeight < since) continue;
      const found = seg.peek(key, at); // decoded at once: the segment's reused buffer is fine
      if (!found) continue;
      const v = resolveUtxo(found.bytes, found.first, found.count, since, before);
      if (v !== UTXO_ABSENT) {
        this.foundHeight = v === UTXO_SPENT ? -1 : lastResolvedHeight();
        return v === UTXO_SPENT ? -1 : v;
      }
    }
    this.foundHeight = -1;
    return -1;
  }

  /**
   * Looks up `n` keys (36 bytes each in `keys`) into `out` (value id or -1),
   * reading each disk bucket once for all keys that fall in it.
   */
  getBatch(
    keys: Uint8Array,
    n: number,
    out: Float64Array,
    before = Number.POSITIVE_INFINITY,
    since = 0,
  ): void {
    const done = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const m = this.resolveInMemory(keys, i * UTXO_KEY_WIDTH, before, since);
      out[i] = m >= 0 ? m : -1;
      if (m !== UTXO_ABSENT) done[i] = 1;
    }
    for (let s = this.segments.length - 1; s >= 0; s--) {
      const seg = this.segments[s]!;
      if (seg.header.minHeight >= before || seg.header.maxHeight < since) continue;
      seg.findBatch(keys, n, (i, e) => {
        const v = resolveUtxo(e.bytes, e.first, e.count, since, before);
        if (v !== UTXO_ABSENT) {
          out[i] = v === UTXO_SPENT ? -1 : v;
          done[i] = 1;
        }
      }, (i) => done[i] === 1);
    }
  }

  /** Closes the segments (memory runs are dropped: flush first to keep them). */
  close(): void {
    for (const s of this.segments) s.close();
    this.segments = [];
  }
}
