/**
 * The key-value layer: immutable sorted segments with persisted bloom
 * filters and bucket directories, their builder and checker, and the UTXO
 * store built on them.
 *
 * @module
 */

export { BloomFilter } from "./bloom.ts";
export { SegmentBuilder } from "./build_segment.ts";
export { checkSegment, type SegmentCheck } from "./check_segment.ts";
export { type KeyEntries, Segment, type SegmentOpenOptions } from "./segment.ts";
export { SEGMENT_VERSION, type SegmentHeader } from "./segment_format.ts";
export { SegmentWriter, type SegmentWriterOptions } from "./segment_writer.ts";
export {
  encodeUtxoEntry,
  UTXO_ABSENT,
  UTXO_ENTRY_WIDTH,
  UTXO_KEY_WIDTH,
  UTXO_SPENT,
} from "./utxo_entry.ts";
export { UtxoStore, type UtxoStoreOptions, type UtxoStoreStats } from "./utxo_store.ts";
