/**
 * The validator stage on a pool of Workers: per-block checks (hashing,
 * merkle roots, transaction rules) run in parallel with block buffers
 * transferred (zero copy: the input blocks' buffers are detached); the
 * sequential header checks run on this thread in height order, so the
 * output order is the input order.
 *
 * @module
 */

import type { OrderedBlock } from "../chain/chain_types.ts";
import { CheckPool, type PoolResult } from "./check_pool.ts";
import { SequentialValidator, type ValidateOptions } from "./validate_blocks.ts";

/** Options of {@link validateBlocksParallel}. */
export interface ValidatePoolOptions extends ValidateOptions {
  /** Number of workers (default: hardware concurrency). */
  workers?: number;
  /** Blocks in flight per worker (default 4). */
  inflightPerWorker?: number;
}

/**
 * Validator stage backed by a {@link CheckPool}.
 *
 * @example
 * ```ts ignore
 * ordered.pipeThrough(validateBlocksParallel({ network, workers: 2 }))
 * ```
 */
export function validateBlocksParallel(
  options: ValidatePoolOptions,
): TransformStream<OrderedBlock, OrderedBlock> {
  const pool = new CheckPool(
    options.network,
    options.workers ?? navigator.hardwareConcurrency ?? 2,
  );
  const limit = pool.size * (options.inflightPerWorker ?? 4);
  const level = options.level ?? "full";
  const seq = new SequentialValidator(options);
  const queue: Array<{ block: OrderedBlock; result: Promise<PoolResult> }> = [];

  const drainOne = async (controller: TransformStreamDefaultController<OrderedBlock>) => {
    const { block, result } = queue.shift()!;
    const r = await result;
    const checked = { ...block, bytes: r.bytes };
    if (seq.accept({ ...checked, failure: r.failure })) controller.enqueue(checked);
  };

  return new TransformStream<OrderedBlock, OrderedBlock>({
    async transform(block, controller) {
      try {
        const result = pool.check(block.bytes, block.hash, block.height, level);
        result.catch(() => {}); // surfaced by drainOne, in order
        queue.push({ block, result });
        while (queue.length >= limit) await drainOne(controller);
      } catch (e) {
        pool.close();
        throw e;
      }
    },
    async flush(controller) {
      try {
        while (queue.length > 0) await drainOne(controller);
      } finally {
        pool.close();
      }
    },
    cancel() {
      pool.close();
    },
  });
}
