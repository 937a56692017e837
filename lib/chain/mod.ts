/**
 * Chain order: the best chain out of blocks in any order, with bounded memory.
 *
 * @module
 */

export { ChainOrderer } from "./chain_orderer.ts";
export {
  type ChainOrdererOptions,
  type ChainOrdererState,
  type ChainReport,
  type OrderedBlock,
  type PositionedBlock,
  ReorgTooDeepError,
} from "./chain_types.ts";
export { heightRange, orderBlocks } from "./order_blocks.ts";
