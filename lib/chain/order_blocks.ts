/**
 * Stream stages around {@link ChainOrderer}: block records in, best-chain
 * blocks in height order out; plus a height-range filter that stops the
 * pipeline once the last wanted height has passed.
 *
 * @module
 */

import { ChainOrderer } from "./chain_orderer.ts";
import type { ChainOrdererOptions, OrderedBlock, PositionedBlock } from "./chain_types.ts";

/**
 * `TransformStream` that orders blocks (see {@link ChainOrderer}).
 *
 * @example
 * ```ts ignore
 * readBlockRecords(dir).pipeThrough(orderBlocks({ network, fetch }))
 * ```
 */
export function orderBlocks(
  options: ChainOrdererOptions | ChainOrderer,
): TransformStream<PositionedBlock, OrderedBlock> {
  const orderer = options instanceof ChainOrderer ? options : new ChainOrderer(options);
  return new TransformStream<PositionedBlock, OrderedBlock>({
    transform(record, controller) {
      orderer.add(record, (b) => controller.enqueue(b));
    },
    flush(controller) {
      orderer.finish((b) => controller.enqueue(b));
    },
  });
}

/** Passes blocks with `from <= height <= to`; terminates after `to`. */
export function heightRange(
  from = 0,
  to = Number.POSITIVE_INFINITY,
): TransformStream<OrderedBlock, OrderedBlock> {
  return new TransformStream<OrderedBlock, OrderedBlock>({
    transform(block, controller) {
      if (block.height >= from && block.height <= to) controller.enqueue(block);
      if (block.height >= to) controller.terminate();
    },
  });
}
