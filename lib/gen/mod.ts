/**
 * The synthetic chain generator (valid regtest chains with forks, orphans
 * and damage on demand) and the blocks-directory writer.
 *
 * @module
 */

export { type ChainGenOptions, type GenBlock, generateChain } from "./chain_generator.ts";
export {
  type BlocksDirOptions,
  type BlocksDirSummary,
  type DamageOptions,
  writeBlocksDir,
} from "./blocks_dir_writer.ts";
export { Prng } from "./prng.ts";
