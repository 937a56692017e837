/**
 * The UTXO store's merges: a streaming source over a segment, and the k-way
 * merge with the UTXO filters (same-height add+delete pairs cancel; the
 * bottom level forgets history below a height).
 *
 * @module
 */

import { grow } from "../bytes/grow.ts";
import { compareBytes, copyBytes } from "./compare.ts";
import { type MemoryRun, mergeSources, runSource, type SortedSource } from "./memory_run.ts";
import type { Segment } from "./segment.ts";
import {
  OP_ADD,
  OP_DELETE,
  UTXO_ENTRY_WIDTH,
  UTXO_KEY_WIDTH,
  UTXO_SORT_WIDTH,
  utxoHeight,
  utxoOp,
} from "./utxo_entry.ts";

const W = UTXO_ENTRY_WIDTH;

/** A streaming source over a segment's entries. */
export function segmentSource(seg: Segment, chunk = 8192): SortedSource {
  const it = seg.scan(chunk);
  return {
    next() {
      const r = it.next();
      return r.done ? null : r.value;
    },
  };
}

/** Merges runs into one, dropping same-height add+delete pairs. */
export function mergeRuns(runs: MemoryRun[]): MemoryRun {
  const total = runs.reduce((n, r) => n + r.count, 0);
  const slab = new Uint8Array(total * W);
  let count = 0;
  mergeFiltered(runs.map((r) => runSource(r, W)), -1, (b, at) => {
    copyBytes(slab, count * W, b, at, W);
    count++;
  });
  return { slab: count === total ? slab : slab.slice(0, count * W), count };
}

/**
 * K-way merge with the UTXO filters: same-height add+delete pairs are
 * dropped; with `gc ≥ 0` (bottom level) a delete below `gc` is dropped with
 * every older event of its key.
 */
export function mergeFiltered(
  sources: SortedSource[],
  gc: number,
  emit: (bytes: Uint8Array, at: number) => void,
): void {
  const pending = new Uint8Array(W);
  let hasPending = false;
  const lastKey = new Uint8Array(UTXO_KEY_WIDTH);
  let haveKey = false;
  let dropRest = false;
  const out = (b: Uint8Array, at: number) => {
    if (gc >= 0) {
      if (!haveKey || compareBytes(b, at, lastKey, 0, UTXO_KEY_WIDTH) !== 0) {
        copyBytes(lastKey, 0, b, at, UTXO_KEY_WIDTH);
        haveKey = true;
        dropRest = false;
      }
      if (dropRest) return;
      if (utxoOp(b, at) === OP_DELETE && utxoHeight(b, at) < gc) {
        dropRest = true;
        return;
      }
    }
    emit(b, at);
  };
  mergeSources(sources, W, UTXO_SORT_WIDTH, (b, at) => {
    if (hasPending) {
      const cancels = utxoOp(pending, 0) === OP_ADD && utxoOp(b, at) === OP_DELETE &&
        compareBytes(pending, 0, b, at, UTXO_KEY_WIDTH + 4) === 0; // same key and height
      if (cancels) {
        hasPending = false;
        return;
      }
      out(pending, 0);
    }
    copyBytes(pending, 0, b, at, W);
    hasPending = true;
  });
  if (hasPending) out(pending, 0);
}

/**
 * K-way merge calling `onKey(events, n)` once per key with its `n` events
 * back to back in `events` (newest first; valid during the call).
 */
export function forEachKey(
  sources: SortedSource[],
  onKey: (events: Uint8Array, n: number) => void,
): void {
  let events = new Uint8Array(W * 8);
  let n = 0;
  mergeSources(sources, W, UTXO_SORT_WIDTH, (b, at) => {
    if (n > 0 && compareBytes(events, 0, b, at, UTXO_KEY_WIDTH) !== 0) {
      onKey(events, n);
      n = 0;
    }
    events = grow(events, (n + 1) * W);
    copyBytes(events, n++ * W, b, at, W);
  });
  if (n > 0) onKey(events, n);
}

/**
 * K-way merge of the newest segments (not the bottom level): an output
 * created and spent inside the merged set — its two oldest events there an
 * add and then a delete — is dropped when `olderMayContain(key)` says no
 * older segment can hold its key (nothing older to shadow); everything else
 * is kept as is.
 */
export function mergeGuarded(
  sources: SortedSource[],
  olderMayContain: (key: Uint8Array, at: number) => boolean,
  emit: (bytes: Uint8Array, at: number) => void,
): void {
  forEachKey(sources, (events, n) => {
    if (n >= 2 && !olderMayContain(events, 0)) {
      // Oldest last: drop (add, then delete) pairs from the old end while nothing older exists.
      while (
        n >= 2 && utxoOp(events, (n - 1) * W) === OP_ADD &&
        utxoOp(events, (n - 2) * W) === OP_DELETE
      ) n -= 2;
    }
    for (let i = 0; i < n; i++) emit(events, i * W);
  });
}
