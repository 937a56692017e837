/**
 * Worker side of {@link SegmentWriteThread}: sorts and writes entry slabs
 * handed over by the chain index's checkpoint, then raises the shared flag
 * the calling thread waits on (`Atomics.wait`: the checkpoint is
 * synchronous), then sends the slab back (transferred: this isolate
 * allocates too little to collect a dead slab soon). Replies to `ping` once
 * loaded.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { newXxh64, type Xxh64 } from "../hash/xxh64.ts";
import { type EntryLayout, writeSortedSegment } from "./entry_batch.ts";

/** Message to the worker: a ping, or a slab to write. */
export interface SegmentWriteRequest {
  ping?: boolean;
  slab?: Uint8Array;
  count?: number;
  layout?: EntryLayout;
  path?: string;
  flags?: number;
  /** [0]: 0 while writing, 1 done, 2 failed; [1]: the error text's length in `error`. */
  signal?: Int32Array;
  /** Where a failure's message goes (UTF-8, cut to its length). */
  error?: Uint8Array;
}

let xxh: Xxh64 | undefined;

self.onmessage = async (e: MessageEvent<SegmentWriteRequest>) => {
  const m = e.data;
  if (m.ping) {
    xxh ??= await newXxh64();
    return self.postMessage({ ready: true });
  }
  const signal = m.signal!;
  try {
    xxh ??= await newXxh64();
    writeSortedSegment(m.slab!, m.count!, m.layout!, m.path!, xxh, m.flags ?? 0);
    Atomics.store(signal, 0, 1);
  } catch (err) {
    const text = new TextEncoder().encode(err instanceof Error ? err.message : String(err));
    const n = Math.min(text.length, m.error!.length);
    m.error!.set(text.subarray(0, n));
    Atomics.store(signal, 1, n);
    Atomics.store(signal, 0, 2);
  }
  Atomics.notify(signal, 0);
  self.postMessage({ slab: m.slab }, [m.slab!.buffer as ArrayBuffer]);
};
