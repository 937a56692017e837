/**
 * The chain index's segment writer thread: a checkpoint hands its spend
 * batch over (the slab transferred, not copied) to be sorted and written as
 * a segment there while the calling thread writes the txid segment and
 * flushes the UTXO cache, then waits for it (`Atomics.wait` on a shared
 * flag: the indexer is synchronous, so that collect can run it inside its
 * ordering step). The checkpoint's order of durability is unchanged: its
 * slot is written only once every segment it names is durable. The slab
 * comes back afterwards and the batch fills it again (no regrowth).
 *
 * @module
 */

import type { EntryBatch } from "./entry_batch.ts";
import type { SegmentWriteRequest } from "./_segment_write_worker.ts";
import { workerModuleUrl } from "../workers/module_access.ts";
import { segmentWorkerBlobUrl } from "./segment_worker_sources.ts";

/** How long {@link PendingSegmentWrite.wait} waits before it gives up (a segment of the default
 * budget takes seconds). */
const WAIT_LIMIT_MS = 30 * 60_000;

/** A segment being written on the thread. */
export interface PendingSegmentWrite {
  /** Blocks until the segment is durable; throws the thread's error (naming the file). */
  wait(): void;
}

/** A worker that writes entry batches as segments; see the module doc. */
export class SegmentWriteThread {
  private busy = false;
  /** The batch whose slab is on the thread (it takes it back when it comes). */
  private lender: EntryBatch | null = null;

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<{ slab?: Uint8Array }>) => {
      if (e.data.slab) this.lender?.adopt(e.data.slab);
      this.lender = null;
    };
  }

  /**
   * Starts the thread and waits until it has loaded its modules — from blkpipe's `lib/`, or where
   * this process may not read it from the text the program imported
   * ({@link segmentWorkerBlobUrl}); null when they fail to load: the caller then writes on its own
   * thread.
   */
  static async start(): Promise<SegmentWriteThread | null> {
    let url: string;
    try {
      url = workerModuleUrl(
        new URL("./_segment_write_worker.ts", import.meta.url),
        segmentWorkerBlobUrl,
      );
    } catch {
      return null;
    }
    const worker = new Worker(url, { type: "module" });
    const ready = new Promise<boolean>((resolve) => {
      worker.onmessage = () => resolve(true);
      worker.onerror = (e) => {
        e.preventDefault();
        resolve(false);
      };
    });
    worker.postMessage({ ping: true } satisfies SegmentWriteRequest);
    if (await ready) return new SegmentWriteThread(worker);
    worker.terminate();
    return null;
  }

  /** Hands `batch`'s entries over (the batch is empty after) to be written as segment `path`. */
  begin(batch: EntryBatch, path: string, flags = 0): PendingSegmentWrite {
    if (this.busy) throw new Error("the index's segment writer thread is already writing");
    const { slab, count } = batch.handOver();
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const error = new Uint8Array(new SharedArrayBuffer(1024));
    const request: SegmentWriteRequest = {
      slab,
      count,
      layout: { ...batch.layout },
      path,
      flags,
      signal,
      error,
    };
    this.worker.postMessage(request, [slab.buffer as ArrayBuffer]);
    this.busy = true;
    this.lender = batch;
    return {
      wait: () => {
        if (Atomics.wait(signal, 0, 0, WAIT_LIMIT_MS) === "timed-out") {
          throw new Error(`the index's segment writer thread did not finish ${path}`);
        }
        this.busy = false;
        if (Atomics.load(signal, 0) === 2) {
          const text = new TextDecoder().decode(error.slice(0, Atomics.load(signal, 1)));
          throw new Error(`writing ${path}: ${text}`);
        }
      },
    };
  }

  /** Stops the thread. */
  close(): void {
    this.worker.terminate();
  }
}
