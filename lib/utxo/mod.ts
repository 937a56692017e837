/**
 * The chain-wide (UTXO) rules — Bitcoin Core's ConnectBlock without
 * scripts — and the write-back UTXO cache the chain index runs them on.
 *
 * @module
 */

export { BIP34_IMPLIES_BIP30_LIMIT, blockSubsidy, COINBASE_MATURITY } from "./block_subsidy.ts";
export { UtxoCache } from "./utxo_cache.ts";
export { outpointKey, UtxoRules, type UtxoView, valueId } from "./utxo_rules.ts";
export {
  compressAmount,
  compressScript,
  decompressAmount,
  decompressScript,
  readVarInt,
  writeVarInt,
} from "./core_compress.ts";
export { type SnapshotCoin, SnapshotError, type SnapshotFormat } from "./snapshot_format.ts";
export { readSnapshot, snapshotBaseHash, type SnapshotInfo } from "./snapshot_reader.ts";
export { encodeCoin, SnapshotWriter } from "./snapshot_writer.ts";
