/**
 * A pool of Workers running the per-block checks ({@link BlockChecker}):
 * blocks are transferred to a worker and back (zero copy; the caller's
 * buffer is detached and the returned `bytes` replaces it). The same
 * workers compress frames ({@link CheckPool.frameCompressor}), so a job that
 * validates and compresses runs one set of threads.
 *
 * @module
 */

import {
  compressedFrame,
  type FrameCompressor,
  transferableBlocks,
} from "../archive/compress_pool.ts";
import type { FrameSpares } from "../archive/frame_spares.ts";
import { workerModuleUrl } from "../workers/module_access.ts";
import { checkWorkerBlobUrl } from "./check_worker_sources.ts";
import { genesisBlock } from "../bitcoin/genesis.ts";
import { blockHash } from "../bitcoin/header.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import type { CheckRequest } from "./_check_worker.ts";
import type { BlockPrecheck, CheckLevel } from "./check_block.ts";
import type { CheckFailure } from "./reject.ts";
import { type PoolReply, RequestPool, transferable } from "../workers/request_pool.ts";

/** Result of one check. */
export interface PoolResult {
  /** The block's bytes, transferred back. */
  bytes: Uint8Array;
  /** First failed check, or null. */
  failure: CheckFailure | null;
}

/** Result of one precheck. */
export interface PrecheckResult {
  /** The block's bytes, transferred back. */
  bytes: Uint8Array;
  /** What `BlockChecker.conclude` needs. */
  pre: BlockPrecheck;
}

interface Reply extends PoolResult, PoolReply {
  pre: BlockPrecheck;
  pres?: BlockPrecheck[];
  compressed?: Uint8Array;
  records?: Uint8Array[];
  rawBytes?: number;
}

/** Result of {@link CheckPool.precheckFrame}. */
export interface FramePrecheck {
  /** The decompressed frame. */
  raw: Uint8Array;
  /** The blocks' prechecks, in the order asked. */
  pres: BlockPrecheck[];
}

/** Round-robin pool of check workers. */
export class CheckPool {
  private readonly pool: RequestPool<Reply>;

  /**
   * `size` workers for `network`. Their modules load from blkpipe's `lib/` where this process may
   * read it, else from the text the program imported ({@link checkWorkerBlobUrl}: no read
   * permission needed).
   */
  constructor(readonly network: NetworkParams, size: number) {
    const url = workerModuleUrl(new URL("./_check_worker.ts", import.meta.url), checkWorkerBlobUrl);
    this.pool = new RequestPool<Reply>(url, size, "Validation");
  }

  /** Number of workers. */
  get size(): number {
    return this.pool.size;
  }

  /** Checks one block on the next worker. `bytes` is transferred. */
  check(
    bytes: Uint8Array,
    hash: Uint8Array,
    height: number,
    level: CheckLevel,
  ): Promise<PoolResult> {
    const owned = transferable(bytes);
    const msg: Omit<CheckRequest, "id"> = {
      network: this.network.name,
      level,
      height,
      hash: hash.slice(),
      bytes: owned,
    };
    return this.pool.request(msg, [owned.buffer as ArrayBuffer]);
  }

  /**
   * The height-independent checks of one block on the next worker. `bytes` is transferred;
   * `whole`: its whole buffer (the caller gives it up; it comes back with the result).
   */
  precheck(bytes: Uint8Array, level: CheckLevel, whole = false): Promise<PrecheckResult> {
    const owned = transferable(bytes, whole);
    const msg: Omit<CheckRequest, "id"> = {
      network: this.network.name,
      level,
      precheck: true,
      bytes: owned,
    };
    return this.pool.request(msg, [owned.buffer as ArrayBuffer]);
  }

  /**
   * Decompresses an archive frame as stored on the next worker — `compressed` (transferred), or
   * read there from a local file — and prechecks the blocks at the (offset, size) pairs `blocks`
   * of its decompressed bytes.
   */
  async precheckFrame(
    compressed: Uint8Array | { path: string; offset: number; length: number },
    blocks: Uint32Array,
    level: CheckLevel,
  ): Promise<FramePrecheck> {
    const owned = compressed instanceof Uint8Array ? transferable(compressed) : new Uint8Array(0);
    const msg: Omit<CheckRequest, "id"> = {
      network: this.network.name,
      level,
      blocks,
      bytes: owned,
      ...(compressed instanceof Uint8Array ? {} : { source: compressed }),
    };
    const r = await this.pool.request(msg, [owned.buffer as ArrayBuffer]);
    return { raw: r.bytes, pres: r.pres! };
  }

  /**
   * Compresses frames at zstd `level` on these workers, between their checks; each request takes
   * a buffer from `spares` (if any) for its frame to be written into.
   */
  frameCompressor(level: number, spares?: FrameSpares): FrameCompressor {
    const spare = (msg: Omit<CheckRequest, "id">, transfer: ArrayBuffer[]) => {
      const b = spares?.take();
      if (b) {
        msg.spare = new Uint8Array(b);
        transfer.push(b);
      }
      return transfer;
    };
    return {
      compress: async (raw, whole = false) => {
        const owned = transferable(raw, whole);
        const msg: Omit<CheckRequest, "id"> = {
          network: this.network.name,
          level: "framing",
          compress: level,
          bytes: owned,
        };
        const r = await this.pool.request(msg, spare(msg, [owned.buffer as ArrayBuffer]));
        return compressedFrame(r.bytes, r.compressed!);
      },
      compressBlocks: async (blocks, magic) => {
        const sent = transferableBlocks(blocks);
        const msg: Omit<CheckRequest, "id"> = {
          network: this.network.name,
          level: "framing",
          compress: level,
          bytes: new Uint8Array(0),
          records: sent.blocks,
          magic,
        };
        const r = await this.pool.request(msg, spare(msg, [...sent.buffers]));
        const c = compressedFrame(r.bytes, r.compressed!);
        return { blocks: r.records!, frame: c.frame, checksum: c.checksum, rawBytes: r.rawBytes! };
      },
    };
  }

  /** Resolves once every worker has loaded and checked one tiny block. */
  async ready(): Promise<void> {
    const g = genesisBlock(this.network.name);
    const hash = blockHash(g);
    const n = this.pool.size;
    await Promise.all(Array.from({ length: n }, () => this.check(g.slice(), hash, 0, "full")));
  }

  /** Stops every worker. */
  close(): void {
    this.pool.close();
  }
}

/** Validation workers for a job, or why there are none. */
export interface ValidationPool {
  /** The pool (null: validate on the calling thread). */
  pool: CheckPool | null;
  /** Why the pool is not used when workers were asked for (one line naming the flag to add). */
  note: string | null;
}

/**
 * Starts `workers` validation workers for `network`. Without read access to blkpipe's `lib/` they
 * load their modules from the text the program imported; should that fail, the job validates on
 * the calling thread and the note says why.
 */
export function startValidationPool(network: NetworkParams, workers: number): ValidationPool {
  if (workers <= 0) return { pool: null, note: null };
  try {
    return { pool: new CheckPool(network, workers), note: null };
  } catch (e) {
    return {
      pool: null,
      note: `validation ran on the main thread: its workers could not start (${
        (e as Error).message
      })`,
    };
  }
}
