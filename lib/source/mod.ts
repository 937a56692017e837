/**
 * Reading Bitcoin Core's blocks directory: blk files, XOR obfuscation, the
 * record scanner (padding, garbage, torn and truncated records) and the
 * reader streams.
 *
 * @module
 */

export { type BlkFile, blkFileName, listBlkFiles, readXorKey } from "./blk_files.ts";
export { BlkPositionedReader } from "./blk_positioned_reader.ts";
export {
  type BlockEvent,
  type BlockRecord,
  type BlockSkip,
  detectNetwork,
  readBlockEvents,
  readBlockRecords,
  type ReadBlockRecordsOptions,
  type ReadPosition,
} from "./block_records.ts";
export {
  RecordScanner,
  type RecordScannerOptions,
  type ScanEvent,
  type SkipReason,
} from "./record_scanner.ts";
export { applyXor } from "./xor.ts";
