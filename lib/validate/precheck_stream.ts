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
import { InOrderWindow } from "../workers/in_order_window.ts";

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
 * The window of prechecks in flight on `pool`: enough to keep every worker busy, no more, since
 * each block held is memory (peak RSS of collect on 1.26 GiB with 2 + 2 workers: ≈720–750 MiB with
 * 64 blocks / 64 MiB and 16 frames at the compressors, ≈550 MiB with 8 / 16 MiB and 4, same wall
 * time within noise).
 */
export function precheckWindow<T>(pool: CheckPool, o: PrecheckOptions = {}): InOrderWindow<T> {
  return new InOrderWindow<T>(
    o.maxBlocks ?? Math.max(8, 4 * pool.size),
    o.maxBytes ?? Math.max(16, 8 * pool.size) * 2 ** 20,
  );
}

/**
 * Runs each block's precheck at `level` on `pool`, in order. The events' block buffers are
 * transferred whole to the workers and back (the events passed on carry the returned buffers):
 * each block's buffer must hold nothing else, as {@link BlockEvent}s' do.
 */
export function precheckBlocks(
  pool: CheckPool,
  level: CheckLevel,
  o: PrecheckOptions = {},
): TransformStream<BlockEvent, PrecheckedEvent> {
  const window = precheckWindow<PrecheckedEvent>(pool, o);
  return new TransformStream<BlockEvent, PrecheckedEvent>({
    async transform(e, controller) {
      if (e.kind !== "block") window.push(Promise.resolve(e), 0);
      else {
        const done = pool.precheck(e.bytes, level, true).then((r) => ({
          ...e,
          bytes: r.bytes,
          pre: r.pre,
        }));
        window.push(done, e.bytes.length);
      }
      while (window.over) controller.enqueue(await window.take());
    },
    async flush(controller) {
      while (window.length > 0) controller.enqueue(await window.take());
    },
  });
}
