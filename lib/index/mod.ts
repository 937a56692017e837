/**
 * Indexes kept inside an archive, in step with the chain-wide (UTXO) rules:
 * txid → transaction, outpoint → output and spender, and the UTXO set, with
 * A/B checkpoints.
 *
 * @module
 */

export { buildChainIndex, type BuildIndexOptions, type IndexBuild } from "./build_index.ts";
export { ChainIndexer, type ChainIndexerOptions, DEFAULT_INDEX_MEM } from "./chain_indexer.ts";
export {
  chainIndexMem,
  DEFAULT_PROCESS_MEM,
  MemoryBudgetError,
  MIN_PROCESS_MEM,
} from "./index_memory.ts";
export { CHAIN_INDEX_PATHS, type IndexSlot } from "./chain_index_format.ts";
export { OutpointIndex, type OutpointInfo, VoutOutOfRangeError } from "./outpoint_index.ts";
export { type FoundTx, type IndexOpenOptions, TxidIndex, type TxLocation } from "./txid_index.ts";
export { TXID_INDEX_PATHS } from "./txid_index_format.ts";
export { type ExportOptions, exportSnapshot, type SnapshotExport } from "./export_snapshot.ts";
export { exportUtxoCheckpoint } from "./export_checkpoint.ts";
export { type ImportOptions, importSnapshot, type SnapshotImport } from "./import_snapshot.ts";
