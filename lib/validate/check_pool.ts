/**
 * A pool of Workers running the per-block checks ({@link BlockChecker}):
 * blocks are transferred to a worker and back (zero copy; the caller's
 * buffer is detached and the returned `bytes` replaces it).
 *
 * @module
 */

import { genesisBlock } from "../bitcoin/genesis.ts";
import { blockHash } from "../bitcoin/header.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import type { CheckRequest } from "./_check_worker.ts";
import type { CheckLevel } from "./check_block.ts";
import type { CheckFailure } from "./reject.ts";

/** Result of one check. */
export interface PoolResult {
  /** The block's bytes, transferred back. */
  bytes: Uint8Array;
  /** First failed check, or null. */
  failure: CheckFailure | null;
}

interface Reply extends PoolResult {
  id: number;
  error: string | null;
}

/** Owns its buffer exclusively (so it can be transferred)? Otherwise copy. */
function transferable(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength &&
      b.buffer instanceof ArrayBuffer
    ? b
    : b.slice();
}

/** Round-robin pool of check workers. */
export class CheckPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(readonly network: NetworkParams, size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(new URL("./_check_worker.ts", import.meta.url).href, { type: "module" });
      w.onmessage = (e: MessageEvent<Reply>) => {
        const p = this.waiting.get(e.data.id);
        this.waiting.delete(e.data.id);
        if (!p) return;
        if (e.data.error) p.reject(new Error(`Validation worker: ${e.data.error}`));
        else p.resolve(e.data);
      };
      w.onerror = (e) => {
        e.preventDefault();
        const err = new Error(`Validation worker failed: ${e.message}`);
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      };
      this.workers.push(w);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Checks one block on the next worker. `bytes` is transferred. */
  check(
    bytes: Uint8Array,
    hash: Uint8Array,
    height: number,
    level: CheckLevel,
  ): Promise<PoolResult> {
    const id = this.nextId++;
    const owned = transferable(bytes);
    const msg: CheckRequest = {
      id,
      network: this.network.name,
      level,
      height,
      hash: hash.slice(),
      bytes: owned,
    };
    const reply = new Promise<Reply>((resolve, reject) =>
      this.waiting.set(id, { resolve, reject })
    );
    this.workers[id % this.workers.length]!.postMessage(msg, [owned.buffer as ArrayBuffer]);
    return reply;
  }

  /** Resolves once every worker has loaded and checked one tiny block. */
  async ready(): Promise<void> {
    const g = genesisBlock(this.network.name);
    const hash = blockHash(g);
    const n = this.workers.length;
    await Promise.all(Array.from({ length: n }, () => this.check(g.slice(), hash, 0, "full")));
  }

  /** Stops every worker. */
  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
