/**
 * Bytes: the cursor reader that does every bounds check, CompactSize, hex,
 * and the two domain errors callers catch.
 *
 * @module
 */

export { ByteCursor } from "./cursor.ts";
export { ByteWriter } from "./byte_writer.ts";
export { ChecksumMismatchError, CorruptDataError, type DataLocation } from "./errors.ts";
export { compactSizeLength, encodeCompactSize, writeCompactSize } from "./compact_size.ts";
export { bytesEqual, fromHex, hashFromHex, hashToHex, toHex } from "./hex.ts";
export { ByteLru } from "./byte_lru.ts";
