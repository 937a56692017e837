/**
 * Bitcoin wire formats and consensus arithmetic: networks, headers, the blk
 * record, the block walker, txids, merkle roots, proof of work, genesis.
 *
 * @module
 */

export {
  NETWORK_NAMES,
  networkByMagic,
  networkByName,
  type NetworkName,
  type NetworkParams,
  NETWORKS,
} from "./network.ts";
export {
  blockHash,
  type BlockHeader,
  HEADER_OFFSETS,
  HEADER_SIZE,
  parseHeader,
  serializeHeader,
} from "./header.ts";
export { encodeRecord, readRecordLength, RECORD_HEADER_SIZE, recordSize } from "./blk_record.ts";
export { BlockLayout, parseBlock } from "./block_layout.ts";
export { serializeBlock } from "./block_serialize.ts";
export { computeTxids, computeTxidsAndWtxids, computeWtxids, txidOf } from "./txid.ts";
export { classifyScript, type ScriptInfo } from "./address.ts";
export { scriptAsm } from "./script_asm.ts";
export { merkleBranch, type MerkleResult, merkleRoot } from "./merkle.ts";
export { bitsFromTarget, blockWork, checkProofOfWork, targetFromBits } from "./pow.ts";
export { checkWitnessCommitment, findWitnessCommitment } from "./witness_commitment.ts";
export { genesisBlock } from "./genesis.ts";
