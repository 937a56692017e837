/**
 * The costly, height-independent part of block validation
 * (`BlockChecker.precheck`: parse, txids, merkle root, per-transaction
 * rules, witness commitment) on a pool of workers, as a stream stage in
 * front of the chain orderer: blk events pass through in their order, each
 * block with its precheck attached, so the main thread only concludes
 * (proof of work, version floors, BIP34 height, SegWit activation) once the
 * block's height is known. Resume points are unaffected: the stage holds
 * blocks not yet seen downstream, which a resumed run simply reads again.
 *
 * @module
 */

import type { BlockEvent } from "../source/block_records.ts";
import type { BlockPrecheck, CheckLevel } from "./check_block.ts";
import type { CheckPool } from "./check_pool.ts";

/** A blk event; blocks carry their precheck. */
export type PrecheckedEvent = BlockEvent & { pre?: BlockPrecheck };

/** Bounds of the blocks in flight. */
export interface PrecheckOptions {
  /** Blocks at most (default 4 per worker, at least 8). */
  maxBlocks?: number;
  /** Bytes at most (default 8 MiB per worker, at least 16 MiB; one block more is always allowed). */
  maxBytes?: number;
}

/**
 * Runs each block's precheck at `level` on `pool`, in order. The events' block buffers are
 * transferred to the workers and back (the events passed on carry the returned buffers).
 */
export function precheckBlocks(
  pool: CheckPool,
  level: CheckLevel,
  o: PrecheckOptions = {},
): TransformStream<BlockEvent, PrecheckedEvent> {
  // Enough to keep every worker busy, no more: each block held here is memory (peak RSS of
  // collect on 1.26 GiB with 2 + 2 workers: ≈720–750 MiB with 64 blocks / 64 MiB and 16 frames at
  // the compressors, ≈550 MiB with 8 / 16 MiB and 4, same wall time within noise).
  const maxBlocks = o.maxBlocks ?? Math.max(8, 4 * pool.size);
  const maxBytes = o.maxBytes ?? Math.max(16, 8 * pool.size) * 2 ** 20;
  const queue: Array<{ size: number; done: Promise<PrecheckedEvent> }> = [];
  let bytes = 0;
  const next = async () => {
    const head = queue.shift()!;
    bytes -= head.size;
    return await head.done;
  };
  return new TransformStream<BlockEvent, PrecheckedEvent>({
    async transform(e, controller) {
      if (e.kind !== "block") {
        queue.push({ size: 0, done: Promise.resolve(e) });
      } else {
        const done = pool.precheck(e.bytes, level).then((r) => ({
          ...e,
          bytes: r.bytes,
          pre: r.pre,
        }));
        done.catch(() => {}); // awaited in order below; a failure surfaces there
        queue.push({ size: e.bytes.length, done });
        bytes += e.bytes.length;
      }
      while (queue.length > maxBlocks || (bytes > maxBytes && queue.length > 1)) {
        controller.enqueue(await next());
      }
    },
    async flush(controller) {
      while (queue.length > 0) controller.enqueue(await next());
    },
  });
}
