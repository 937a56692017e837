/**
 * Consensus checks without scripts: per-block rules, the sequential header
 * chain (links, difficulty, time), Bitcoin Core's reject codes, and the
 * validation stream stages.
 *
 * @module
 */

export {
  BlockChecker,
  type BlockPrecheck,
  type CheckLevel,
  MAX_BLOCK_WEIGHT,
  MAX_MONEY,
} from "./check_block.ts";
export { CheckPool, startValidationPool, type ValidationPool } from "./check_pool.ts";
export { precheckBlocks, type PrecheckedEvent, type PrecheckOptions } from "./precheck_stream.ts";
export { HeaderChain, type HeaderChainState } from "./header_chain.ts";
export type { BlockRejection, CheckFailure, RejectCode } from "./reject.ts";
export {
  type CheckedBlock,
  SequentialValidator,
  validateBlocks,
  type ValidateOptions,
} from "./validate_blocks.ts";
export { validateBlocksParallel, type ValidatePoolOptions } from "./validate_pool.ts";
