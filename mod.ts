/**
 * blkpipe: Bitcoin Core block files → ordered, verified, compressed,
 * random-access archive. This module re-exports the library API.
 *
 * @module
 */

export { ByteCursor } from "./lib/bytes/cursor.ts";
export { ChecksumMismatchError, CorruptDataError } from "./lib/bytes/errors.ts";
export type { DataLocation } from "./lib/bytes/errors.ts";
export {
  compactSizeLength,
  encodeCompactSize,
  writeCompactSize,
} from "./lib/bytes/compact_size.ts";
export { bytesEqual, fromHex, hashFromHex, hashToHex, toHex } from "./lib/bytes/hex.ts";

export { sha256, sha256d } from "./lib/hash/sha256.ts";
export { Sha256Batch, sharedSha256Batch } from "./lib/hash/sha256_batch.ts";

export {
  NETWORK_NAMES,
  networkByMagic,
  networkByName,
  NETWORKS,
  RETARGET_INTERVAL,
} from "./lib/bitcoin/network.ts";
export type { NetworkName, NetworkParams } from "./lib/bitcoin/network.ts";
export { blockHash, HEADER_SIZE, parseHeader, serializeHeader } from "./lib/bitcoin/header.ts";
export type { BlockHeader } from "./lib/bitcoin/header.ts";
export {
  bitsFromTarget,
  blockWork,
  checkProofOfWork,
  hashToBigInt,
  targetFromBits,
} from "./lib/bitcoin/pow.ts";
export type { CompactTarget, PowFailure } from "./lib/bitcoin/pow.ts";
export {
  BlockLayout,
  MAX_COMPACT_SIZE,
  parseBlock,
  TX_SEGWIT,
} from "./lib/bitcoin/block_layout.ts";
export { serializeBlock } from "./lib/bitcoin/block_serialize.ts";
export { computeTxids, computeWtxids } from "./lib/bitcoin/txid.ts";
export { merkleRoot } from "./lib/bitcoin/merkle.ts";
export type { MerkleResult } from "./lib/bitcoin/merkle.ts";
export {
  checkWitnessCommitment,
  findWitnessCommitment,
  hasWitness,
} from "./lib/bitcoin/witness_commitment.ts";
export type { WitnessCheck } from "./lib/bitcoin/witness_commitment.ts";
export { genesisBlock } from "./lib/bitcoin/genesis.ts";
export { pushData, pushNumber, scriptNum } from "./lib/bitcoin/script_push.ts";

export { blkFileName, listBlkFiles, readXorKey } from "./lib/source/blk_files.ts";
export type { BlkFile } from "./lib/source/blk_files.ts";
export { applyXor, isNullKey, XOR_KEY_SIZE } from "./lib/source/xor.ts";
export {
  MAX_BLOCK_SIZE,
  MIN_BLOCK_SIZE,
  RECORD_HEADER_SIZE,
  RecordScanner,
} from "./lib/source/record_scanner.ts";
export type {
  BlockRecordEvent,
  RecordScannerOptions,
  ScanEvent,
  SkipEvent,
  SkipReason,
} from "./lib/source/record_scanner.ts";
export { readBlockRecords } from "./lib/source/block_records.ts";
export type {
  BlockRecord,
  BlockSkip,
  ReadBlockRecordsOptions,
  ReadPosition,
} from "./lib/source/block_records.ts";
export { BlkPositionedReader } from "./lib/source/blk_positioned_reader.ts";
export { ChainOrderer, ReorgTooDeepError } from "./lib/chain/chain_orderer.ts";
export type {
  ChainOrdererOptions,
  ChainOrdererState,
  ChainReport,
  OrderedBlock,
  PositionedBlock,
} from "./lib/chain/chain_orderer.ts";
export { heightRange, orderBlocks } from "./lib/chain/order_blocks.ts";
export { generateChain, regtestSubsidy } from "./lib/gen/chain_generator.ts";
export type { ChainGenOptions, GenBlock } from "./lib/gen/chain_generator.ts";
export { writeBlocksDir } from "./lib/gen/blocks_dir_writer.ts";
export type {
  BlocksDirOptions,
  BlocksDirSummary,
  DamageOptions,
} from "./lib/gen/blocks_dir_writer.ts";
export { Prng } from "./lib/gen/prng.ts";

export { calculateNextWorkRequired } from "./lib/bitcoin/retarget.ts";
export {
  BlockChecker,
  MAX_BLOCK_SIGOPS_COST,
  MAX_BLOCK_WEIGHT,
  MAX_MONEY,
  WITNESS_SCALE_FACTOR,
} from "./lib/validate/check_block.ts";
export type { CheckLevel } from "./lib/validate/check_block.ts";
export { HeaderChain, MAX_FUTURE_BLOCK_TIME, MAX_TIMEWARP } from "./lib/validate/header_chain.ts";
export type { HeaderChainState } from "./lib/validate/header_chain.ts";
export type { BlockRejection, CheckFailure, RejectCode } from "./lib/validate/reject.ts";
export { SequentialValidator, validateBlocks } from "./lib/validate/validate_blocks.ts";
export type { CheckedBlock, ValidateOptions } from "./lib/validate/validate_blocks.ts";
export { validateBlocksParallel } from "./lib/validate/validate_pool.ts";
export type { ValidatePoolOptions } from "./lib/validate/validate_pool.ts";
export { CheckPool } from "./lib/validate/check_pool.ts";
export type { PoolResult } from "./lib/validate/check_pool.ts";
export { legacySigOps } from "./lib/validate/sigops.ts";

export { collect, loadArchiveState } from "./lib/archive/collector.ts";
export type { CollectOptions, CollectProgress, CollectSummary } from "./lib/archive/collector.ts";
export { ArchiveReader } from "./lib/archive/archive_reader.ts";
export { verifyArchive } from "./lib/archive/verify.ts";
export type { VerifyOptions, VerifyProblem, VerifyReport } from "./lib/archive/verify.ts";
export { ArchiveWriter, manifestJson, verifyFrame } from "./lib/archive/archive_writer.ts";
export type { ArchiveWriterOptions, FrameJob, WriterStats } from "./lib/archive/archive_writer.ts";
export { FrameBuilder } from "./lib/archive/frame_builder.ts";
export type { BuiltFrame } from "./lib/archive/frame_builder.ts";
export { CompressPool } from "./lib/archive/compress_pool.ts";
export type { CompressedFrame } from "./lib/archive/compress_pool.ts";
export {
  ARCHIVE_FORMAT,
  ARCHIVE_PATHS,
  ARCHIVE_VERSION,
  ArchiveError,
  chunkFileName,
  parseManifest,
} from "./lib/archive/manifest.ts";
export type { ArchiveManifest, ChunkEntry, ChunkPolicy } from "./lib/archive/manifest.ts";
export {
  decodeSeekTable,
  encodeSeekTable,
  SEEK_TABLE_SKIPPABLE_MAGIC,
  SEEKABLE_MAGIC,
  seekTableLength,
} from "./lib/archive/seek_table.ts";
export type { SeekEntry } from "./lib/archive/seek_table.ts";
export { zstdFrameInfo } from "./lib/archive/zstd_frame.ts";
export type { ZstdFrameInfo } from "./lib/archive/zstd_frame.ts";
export {
  decodeIndexHeader,
  decodeIndexRecord,
  encodeIndexHeader,
  encodeIndexRecord,
  INDEX_HEADER_SIZE,
  INDEX_RECORD_SIZE,
  indexOffset,
} from "./lib/archive/height_index.ts";
export type { IndexHeader, IndexRecord } from "./lib/archive/height_index.ts";
export type { OpenChunkState, PipelineSnapshot, ResumeState } from "./lib/archive/resume_state.ts";
export { detectNetwork, readBlockEvents } from "./lib/source/block_records.ts";
export type { BlockEvent } from "./lib/source/block_records.ts";

export { BLOOM_BITS_PER_ENTRY, BLOOM_PROBES, BloomFilter, keyHashes } from "./lib/segment/bloom.ts";
export { compareBytes, lowerBound } from "./lib/segment/compare.ts";
export {
  bucketEntriesFor,
  decodeSegmentHeader,
  encodeSegmentHeader,
  FLAG_UTXO,
  SEGMENT_HEADER_SIZE,
  SEGMENT_TRAILER_SIZE,
  SEGMENT_VERSION,
} from "./lib/segment/segment_format.ts";
export type {
  SegmentFooterInfo,
  SegmentHeader,
  SegmentTrailer,
} from "./lib/segment/segment_format.ts";
export { SegmentWriter } from "./lib/segment/segment_writer.ts";
export type { SegmentWriterOptions } from "./lib/segment/segment_writer.ts";
export { pread, Segment } from "./lib/segment/segment.ts";
export type { KeyEntries } from "./lib/segment/segment.ts";
export { mergeSources, runSource, sortEntries } from "./lib/segment/memory_run.ts";
export type { MemoryRun, SortedSource } from "./lib/segment/memory_run.ts";
export { SegmentBuilder } from "./lib/segment/build_segment.ts";
export { checkSegment } from "./lib/segment/check_segment.ts";
export type { SegmentCheck } from "./lib/segment/check_segment.ts";
export {
  encodeUtxoEntry,
  OP_ADD,
  OP_DELETE,
  resolveUtxo,
  UTXO_ABSENT,
  UTXO_ENTRY_WIDTH,
  UTXO_KEY_WIDTH,
  UTXO_SORT_WIDTH,
  UTXO_SPENT,
  utxoHeight,
  utxoOp,
  utxoValueId,
} from "./lib/segment/utxo_entry.ts";
export { mergeFiltered, mergeRuns, segmentSource, UtxoStore } from "./lib/segment/utxo_store.ts";
export type { UtxoStoreOptions, UtxoStoreStats } from "./lib/segment/utxo_store.ts";
export { archiveSink, compressFrames, frameBlocks } from "./lib/archive/archive_streams.ts";
export type { CompressedFrameJob, FrameOptions } from "./lib/archive/archive_streams.ts";
export { concatBytes } from "./lib/bytes/concat.ts";
