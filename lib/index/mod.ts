/**
 * Indexes kept inside an archive: txid → block height and position.
 *
 * @module
 */

export {
  buildTxidIndex,
  type FoundTx,
  TxidIndex,
  type TxidIndexBuild,
  type TxLocation,
} from "./txid_index.ts";
export { TXID_INDEX_PATHS, type TxidIndexState } from "./txid_index_format.ts";
