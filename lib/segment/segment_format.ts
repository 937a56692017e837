/**
 * Segment file layout (docs/FORMATS.md, "Segment"): header, entries,
 * footer (bloom filter, bucket directory), trailer. Pure encode/decode.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import type { BloomLayout } from "./bloom.ts";

/** Header size. */
export const SEGMENT_HEADER_SIZE = 64;
/** Trailer size. */
export const SEGMENT_TRAILER_SIZE = 32;
/** Fixed part of the footer before the bloom bits. */
export const SEGMENT_FOOTER_FIXED = 24;
/** Format version. */
export const SEGMENT_VERSION = 1;
/** Flag: entries are UTXO events (see utxo_entry.ts). */
export const FLAG_UTXO = 1;
/** Flag: the bloom filter is blocked, its line chosen by a hash of the key (bloom.ts). */
export const FLAG_BLOCKED_BLOOM = 2;
/** Flag: the bloom filter is blocked, its line chosen by the key's first four bytes (bloom.ts). */
export const FLAG_PREFIX_BLOOM = 4;
/** The flags that say the bloom filter's layout. */
export const BLOOM_FLAGS = FLAG_BLOCKED_BLOOM | FLAG_PREFIX_BLOOM;

/** The bloom filter layout a header's flags name (neither flag: classic). */
export function bloomLayoutOf(flags: number): BloomLayout {
  if (flags & FLAG_PREFIX_BLOOM) return "prefix";
  return flags & FLAG_BLOCKED_BLOOM ? "blocked" : "classic";
}

/** The header flag of a bloom filter layout. */
export function bloomFlagOf(layout: BloomLayout): number {
  return layout === "prefix" ? FLAG_PREFIX_BLOOM : layout === "blocked" ? FLAG_BLOCKED_BLOOM : 0;
}
/** Aimed bytes per directory bucket. */
export const BUCKET_BYTES = 4096;

const MAGIC = new TextEncoder().encode("BLKPSEG1");
const TRAILER_MAGIC = new TextEncoder().encode("BLKPSEGF");

/** Header fields. */
export interface SegmentHeader {
  version: number;
  flags: number;
  keyWidth: number;
  sortWidth: number;
  entryWidth: number;
  entryCount: number;
  minHeight: number;
  maxHeight: number;
}

/** Footer fixed fields. */
export interface SegmentFooterInfo {
  bloomBits: number;
  bloomProbes: number;
  bucketEntries: number;
  bucketCount: number;
  entriesXxh64: bigint;
}

/** Trailer fields. */
export interface SegmentTrailer {
  footerOffset: number;
  footerLength: number;
  checksum: bigint;
}

/** Entries per bucket for an entry width (≈ 4 KiB of entries, at least 1). */
export function bucketEntriesFor(entryWidth: number): number {
  return Math.max(1, Math.floor(BUCKET_BYTES / entryWidth));
}

/** Encodes the header. */
export function encodeSegmentHeader(h: SegmentHeader): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER_SIZE);
  const v = new DataView(out.buffer);
  out.set(MAGIC);
  v.setUint32(8, h.version, true);
  v.setUint32(12, h.flags, true);
  v.setUint16(16, h.keyWidth, true);
  v.setUint16(18, h.sortWidth, true);
  v.setUint32(20, h.entryWidth, true);
  v.setBigUint64(24, BigInt(h.entryCount), true);
  v.setUint32(32, h.minHeight, true);
  v.setUint32(36, h.maxHeight, true);
  return out;
}

function bad(
  file: string,
  code: string,
  detail: string,
  offset: number,
  field: string,
): CorruptDataError {
  return new CorruptDataError(code, detail, { file, offset, field });
}

/** Decodes and checks the header. */
export function decodeSegmentHeader(b: Uint8Array, file: string): SegmentHeader {
  if (b.length < SEGMENT_HEADER_SIZE) {
    throw bad(file, "truncated", "file shorter than its header", 0, "header");
  }
  for (let i = 0; i < 8; i++) {
    if (b[i] !== MAGIC[i]) throw bad(file, "bad-magic", "not a blkpipe segment", 0, "magic");
  }
  const v = new DataView(b.buffer, b.byteOffset, SEGMENT_HEADER_SIZE);
  const version = v.getUint32(8, true);
  if (version !== SEGMENT_VERSION) {
    throw bad(
      file,
      "bad-version",
      `segment version ${version}, this blkpipe reads ${SEGMENT_VERSION}`,
      8,
      "version",
    );
  }
  const h: SegmentHeader = {
    version,
    flags: v.getUint32(12, true),
    keyWidth: v.getUint16(16, true),
    sortWidth: v.getUint16(18, true),
    entryWidth: v.getUint32(20, true),
    entryCount: Number(v.getBigUint64(24, true)),
    minHeight: v.getUint32(32, true),
    maxHeight: v.getUint32(36, true),
  };
  if (h.keyWidth === 0 || h.sortWidth < h.keyWidth || h.entryWidth < h.sortWidth) {
    throw bad(file, "bad-header", "inconsistent key/sort/entry widths", 16, "widths");
  }
  return h;
}

/** Encodes the fixed part of the footer. */
export function encodeFooterInfo(f: SegmentFooterInfo): Uint8Array {
  const out = new Uint8Array(SEGMENT_FOOTER_FIXED);
  const v = new DataView(out.buffer);
  v.setUint32(0, f.bloomBits, true);
  v.setUint32(4, f.bloomProbes, true);
  v.setUint32(8, f.bucketEntries, true);
  v.setUint32(12, f.bucketCount, true);
  v.setBigUint64(16, f.entriesXxh64, true);
  return out;
}

/** Decodes the fixed part of the footer. */
export function decodeFooterInfo(b: Uint8Array): SegmentFooterInfo {
  const v = new DataView(b.buffer, b.byteOffset, SEGMENT_FOOTER_FIXED);
  return {
    bloomBits: v.getUint32(0, true),
    bloomProbes: v.getUint32(4, true),
    bucketEntries: v.getUint32(8, true),
    bucketCount: v.getUint32(12, true),
    entriesXxh64: v.getBigUint64(16, true),
  };
}

/** Encodes the trailer. */
export function encodeTrailer(t: SegmentTrailer): Uint8Array {
  const out = new Uint8Array(SEGMENT_TRAILER_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(t.footerOffset), true);
  v.setUint32(8, t.footerLength, true);
  v.setBigUint64(16, t.checksum, true);
  out.set(TRAILER_MAGIC, 24);
  return out;
}

/** Decodes and checks the trailer (the file's last 32 bytes). */
export function decodeTrailer(b: Uint8Array, file: string, fileSize: number): SegmentTrailer {
  for (let i = 0; i < 8; i++) {
    if (b[24 + i] !== TRAILER_MAGIC[i]) {
      throw bad(
        file,
        "bad-trailer",
        "no segment trailer at the end (truncated or not a segment)",
        fileSize - 8,
        "trailer.magic",
      );
    }
  }
  const v = new DataView(b.buffer, b.byteOffset, SEGMENT_TRAILER_SIZE);
  const t = {
    footerOffset: Number(v.getBigUint64(0, true)),
    footerLength: v.getUint32(8, true),
    checksum: v.getBigUint64(16, true),
  };
  if (
    t.footerOffset + t.footerLength + SEGMENT_TRAILER_SIZE !== fileSize ||
    t.footerOffset < SEGMENT_HEADER_SIZE
  ) {
    throw bad(
      file,
      "bad-trailer",
      `footer at ${t.footerOffset} (+${t.footerLength}) does not fit a ${fileSize}-byte file`,
      fileSize - SEGMENT_TRAILER_SIZE,
      "trailer",
    );
  }
  return t;
}

/** Throws unless the footer's parts add up to what the header and trailer say; returns the bloom filter's length. */
export function checkFooterSizes(
  path: string,
  header: SegmentHeader,
  trailer: SegmentTrailer,
  footer: SegmentFooterInfo,
): number {
  const bloomLen = footer.bloomBits / 8;
  const dirLen = footer.bucketCount * header.keyWidth;
  if (
    SEGMENT_HEADER_SIZE + header.entryCount * header.entryWidth !== trailer.footerOffset ||
    SEGMENT_FOOTER_FIXED + bloomLen + dirLen !== trailer.footerLength
  ) {
    throw new CorruptDataError("bad-footer", "footer sizes do not match the header", {
      file: path,
      offset: trailer.footerOffset,
      field: "footer",
    });
  }
  return bloomLen;
}
