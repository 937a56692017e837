/**
 * Request/reply over a set of Workers: each request goes to the worker with
 * the fewest requests in flight (requests of different kinds and costs share
 * the workers), carries an id, and its reply `{ id, error? }` settles the
 * matching promise; a crashed worker rejects everything in flight. Buffers
 * are transferred, not copied.
 *
 * @module
 */

/** Replies carry the request id and, on failure, an error text. */
export interface PoolReply {
  /** Id of the request answered. */
  id: number;
  /** Set when the worker failed on this request. */
  error?: string | null;
}

/**
 * A buffer the caller can give away: its own, whole, non-shared ArrayBuffer (else a copy). With
 * `whole`, the caller gives up all of `b`'s buffer: a view from offset 0 goes as it is.
 */
export function transferable(b: Uint8Array, whole = false): Uint8Array {
  return b.byteOffset === 0 && (whole || b.byteLength === b.buffer.byteLength) &&
      b.buffer instanceof ArrayBuffer
    ? b
    : b.slice();
}

/** A pool of identical workers answering requests. */
export class RequestPool<Reply extends PoolReply> {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void; worker: number }
  >();
  /** Requests in flight per worker. */
  private readonly busy: number[] = [];
  private nextId = 0;

  /** Starts `size` workers from module `url`; `what` names them in errors. */
  constructor(url: string, size: number, readonly what: string) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(url, { type: "module" });
      this.busy.push(0);
      w.onmessage = (e: MessageEvent<Reply>) => {
        const p = this.waiting.get(e.data.id);
        this.waiting.delete(e.data.id);
        if (!p) return;
        this.busy[p.worker]!--;
        if (e.data.error) p.reject(new Error(`${what}: ${e.data.error}`));
        else p.resolve(e.data);
      };
      w.onerror = (e) => {
        e.preventDefault();
        const err = new Error(`${what} worker failed: ${e.message}`);
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
        this.busy.fill(0);
      };
      this.workers.push(w);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Sends `message` (its `id` is filled in) to the least busy worker (ties: the next in turn),
   * transferring `transfer`.
   */
  request(message: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Reply> {
    const id = this.nextId++;
    const n = this.workers.length;
    let worker = id % n;
    for (let k = 1; k < n; k++) {
      const i = (id + k) % n;
      if (this.busy[i]! < this.busy[worker]!) worker = i;
    }
    this.busy[worker]!++;
    const reply = new Promise<Reply>((resolve, reject) =>
      this.waiting.set(id, { resolve, reject, worker })
    );
    this.workers[worker]!.postMessage({ ...message, id }, transfer);
    return reply;
  }

  /** Stops every worker. */
  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
