/**
 * In-memory sorted runs: fixed-width entries in one Uint8Array slab, no
 * object per entry. Sorting uses a native numeric sort on packed
 * (3-byte prefix, index) keys, then fixes ties with a byte comparator;
 * merging is a k-way merge.
 *
 * @module
 */

import { compareBytes, copyBytes, lowerBound } from "./compare.ts";

/** An immutable sorted run. */
export interface MemoryRun {
  /** Entries back to back. */
  slab: Uint8Array;
  /** Number of entries. */
  count: number;
}

/**
 * The order of `count` entries of `width` bytes in `slab` sorted by their
 * first `sortWidth` bytes (indices into the slab; the slab is not moved),
 * stable: a radix sort on a 3-byte prefix (two 12-bit passes over typed
 * arrays, no comparison), then each group of equal prefixes by the rest of
 * the sort prefix ({@link sortGroup}).
 */
export function sortOrder(
  slab: Uint8Array,
  count: number,
  width: number,
  sortWidth: number,
): Uint32Array {
  if (count > 0xffffffff) throw new RangeError("Too many entries to sort in one run");
  const take = Math.min(3, sortWidth);
  const prefixAt = (a: number) => {
    let p = 0;
    for (let k = 0; k < 3; k++) p = (p << 8) | (k < take ? slab[a + k]! : 0);
    return p;
  };
  // Pass 1, the prefix's low 12 bits: indices into their buckets (reading the slab in order),
  // each keeping its high 12 bits beside it. 12 bytes per entry in all, as the comparison sort
  // it replaces needed (8-byte keys and the 4-byte order).
  const low = new Uint32Array(4097);
  for (let i = 0, a = 0; i < count; i++, a += width) low[(prefixAt(a) & 4095) + 1]!++;
  for (let d = 1; d <= 4096; d++) low[d]! += low[d - 1]!; // low[d]: bucket d's first position
  const midIndex = new Uint32Array(count), midHigh = new Uint16Array(count);
  const fill = low.slice(0, 4096);
  for (let i = 0, a = 0; i < count; i++, a += width) {
    const p = prefixAt(a), at = fill[p & 4095]!++;
    midIndex[at] = i;
    midHigh[at] = p >>> 12;
  }
  // Pass 2, the high 12 bits, stable: bucket d of pass 1 holds low digit d.
  const high = new Uint32Array(4097);
  for (let i = 0; i < count; i++) high[midHigh[i]! + 1]!++;
  for (let d = 1; d <= 4096; d++) high[d]! += high[d - 1]!;
  const order = new Uint32Array(count), lowOf = new Uint16Array(count);
  fill.set(high.subarray(0, 4096));
  for (let d = 0; d < 4096; d++) {
    for (let i = low[d]!; i < low[d + 1]!; i++) {
      const at = fill[midHigh[i]!]!++;
      order[at] = midIndex[i]!;
      lowOf[at] = d;
    }
  }
  if (take === sortWidth) return order; // the prefix was the whole sort key
  // Runs of equal prefixes: equal low digits inside one high bucket.
  for (let h = 0; h < 4096; h++) {
    const end = high[h + 1]!;
    for (let i = high[h]!; i < end;) {
      let j = i + 1;
      while (j < end && lowOf[j] === lowOf[i]) j++;
      if (j - i > 1) sortGroup(slab, order, i, j, width, sortWidth, 3);
      i = j;
    }
  }
  return order;
}

const GROUP_INDEX = 2 ** 21;

/**
 * Sorts `order[i..j)`, whose entries agree on their first `from` bytes, by
 * the rest of the sort prefix, stably. The group's common prefix is skipped
 * first (the outputs of one transaction share 32 bytes of txid); a small
 * group is then insertion-sorted, a large one sorted natively on its next 4
 * bytes (packed with the position, so ties keep their order) and each run of
 * equal 4 bytes refined the same way: no comparator call per pair.
 */
function sortGroup(
  slab: Uint8Array,
  order: Uint32Array,
  i: number,
  j: number,
  width: number,
  sortWidth: number,
  from: number,
): void {
  let common = sortWidth;
  const first = order[i]! * width;
  for (let x = i + 1; x < j && common > from; x++) {
    const b = order[x]! * width;
    let d = from;
    while (d < common && slab[first + d] === slab[b + d]) d++;
    common = d;
  }
  if (common >= sortWidth) return; // equal sort prefixes: kept in order (writers reject them)
  const rest = sortWidth - common;
  if (j - i <= 16) {
    for (let x = i + 1; x < j; x++) {
      const v = order[x]!;
      let y = x - 1;
      while (
        y >= i &&
        compareBytes(slab, order[y]! * width + common, slab, v * width + common, rest) > 0
      ) {
        order[y + 1] = order[y]!;
        y--;
      }
      order[y + 1] = v;
    }
    return;
  }
  const n = j - i, take = Math.min(4, rest);
  if (n >= GROUP_INDEX) {
    order.subarray(i, j).sort((x, y) =>
      compareBytes(slab, x * width + common, slab, y * width + common, rest)
    );
    return;
  }
  const word = (e: number) => {
    let w = 0;
    for (let k = 0; k < 4; k++) w = w * 256 + (k < take ? slab[e * width + common + k]! : 0);
    return w;
  };
  const keys = new Float64Array(n);
  for (let x = 0; x < n; x++) keys[x] = word(order[i + x]!) * GROUP_INDEX + x;
  keys.sort();
  const before = order.slice(i, j);
  for (let x = 0; x < n; x++) order[i + x] = before[keys[x]! % GROUP_INDEX]!;
  if (take === rest) {
    // The 4 bytes were the last of the sort prefix: equal words are equal prefixes.
    return;
  }
  for (let x = 0; x < n;) {
    const w = Math.floor(keys[x]! / GROUP_INDEX);
    let y = x + 1;
    while (y < n && Math.floor(keys[y]! / GROUP_INDEX) === w) y++;
    if (y - x > 1) sortGroup(slab, order, i + x, i + y, width, sortWidth, common + take);
    x = y;
  }
}

/**
 * Sorts `count` entries of `width` bytes in `slab` by their first
 * `sortWidth` bytes; returns a new sorted slab. Throws RangeError on two
 * entries with equal sort prefixes.
 */
export function sortEntries(
  slab: Uint8Array,
  count: number,
  width: number,
  sortWidth: number,
): Uint8Array {
  const order = sortOrder(slab, count, width, sortWidth);
  const out = new Uint8Array(count * width);
  for (let i = 0; i < count; i++) {
    const from = order[i]! * width;
    copyBytes(out, i * width, slab, from, width);
    if (i > 0 && compareBytes(out, (i - 1) * width, out, i * width, sortWidth) === 0) {
      throw new RangeError("Two entries have the same sort key");
    }
  }
  return out;
}

/** A source of sorted entries, read `chunk` at a time (a memory run or a segment scan). */
export interface SortedSource {
  /** Next block of entries, or null when done. */
  next(): { bytes: Uint8Array; count: number } | null;
}

/** A {@link SortedSource} over a memory run. */
export function runSource(run: MemoryRun, width: number, chunk = 8192): SortedSource {
  let at = 0;
  return {
    next() {
      if (at >= run.count) return null;
      const n = Math.min(chunk, run.count - at);
      const out = { bytes: run.slab.subarray(at * width, (at + n) * width), count: n };
      at += n;
      return out;
    },
  };
}

/**
 * K-way merge of sorted sources (sort prefixes unique across sources),
 * calling `emit(bytes, at)` for each entry in order. Equal sort keys across
 * sources are an error.
 */
export function mergeSources(
  sources: SortedSource[],
  width: number,
  sortWidth: number,
  emit: (bytes: Uint8Array, at: number) => void,
): void {
  const c = new MergeCursor(sources, width, sortWidth);
  while (c.next()) emit(c.bytes, c.at);
}

/**
 * The pull form of {@link mergeSources}: each {@link next} moves to the
 * following entry, then at `bytes[at..at + width)`.
 */
export class MergeCursor {
  private readonly bufs: Array<{ bytes: Uint8Array; count: number } | null>;
  private readonly pos: Uint32Array;
  /** Binary heap of source indices ordered by current entry. */
  private readonly heap: number[] = [];
  private advance = -1;
  /** The current entry's bytes (valid until the next call). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Its offset in {@link bytes}. */
  at = 0;

  constructor(
    private readonly sources: SortedSource[],
    private readonly width: number,
    private readonly sortWidth: number,
  ) {
    this.bufs = sources.map((s) => s.next());
    this.pos = new Uint32Array(sources.length);
    for (let s = 0; s < sources.length; s++) {
      if (this.bufs[s] && this.bufs[s]!.count > 0) {
        this.heap.push(s);
        this.up(this.heap.length - 1);
      }
    }
  }

  /** Moves to the next entry; false when all sources are done. */
  next(): boolean {
    const heap = this.heap;
    if (this.advance >= 0) {
      const s = this.advance;
      this.pos[s]!++;
      if (this.pos[s]! >= this.bufs[s]!.count) {
        this.bufs[s] = this.sources[s]!.next();
        this.pos[s] = 0;
        if (!this.bufs[s] || this.bufs[s]!.count === 0) {
          const last = heap.pop()!;
          if (heap.length > 0) {
            heap[0] = last;
            this.down(0);
          }
        } else this.down(0);
      } else this.down(0);
    }
    if (heap.length === 0) return false;
    const s = heap[0]!;
    this.advance = s;
    this.bytes = this.bufs[s]!.bytes;
    this.at = this.pos[s]! * this.width;
    return true;
  }

  private less(a: number, b: number): boolean {
    const c = compareBytes(
      this.bufs[a]!.bytes,
      this.pos[a]! * this.width,
      this.bufs[b]!.bytes,
      this.pos[b]! * this.width,
      this.sortWidth,
    );
    if (c === 0) throw new RangeError("Two merged entries have the same sort key");
    return c < 0;
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[p]!)) break;
      const t = heap[i]!;
      heap[i] = heap[p]!;
      heap[p] = t;
      i = p;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && this.less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  }
}

/** Binary search: index of the first entry of `run` whose first `len` bytes are ≥ key. */
export function runLowerBound(
  run: MemoryRun,
  width: number,
  key: Uint8Array,
  at: number,
  len: number,
): number {
  return lowerBound(run.slab, run.count, width, key, at, len);
}
