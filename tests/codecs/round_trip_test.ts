/**
 * Round trips for every codec: what is encoded decodes to the same value,
 * and the bytes re-encode identically.
 */
import { constants, zstdCompressSync } from "node:zlib";
import { assertEquals, assertThrows } from "../_support/assert.ts";
import {
  decodeIndexHeader,
  decodeIndexRecord,
  encodeIndexHeader,
  encodeIndexRecord,
  INDEX_RECORD_SIZE,
} from "../../lib/archive/height_index.ts";
import { manifestJson, newManifest, parseManifest } from "../../lib/archive/manifest.ts";
import {
  decodeResumeState,
  encodeResumeState,
  RESUME_FORMAT,
  type ResumeState,
} from "../../lib/archive/resume_record.ts";
import { decodeSeekTable, encodeSeekTable, seekTableLength } from "../../lib/archive/seek_table.ts";
import { zstdFrameInfo } from "../../lib/archive/zstd_frame.ts";
import {
  encodeRecord,
  readRecordLength,
  RECORD_HEADER_SIZE,
} from "../../lib/bitcoin/blk_record.ts";
import { HEADER_OFFSETS, parseHeader, serializeHeader } from "../../lib/bitcoin/header.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { CorruptDataError } from "../../lib/bytes/errors.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { newXxh64, xxh64Low } from "../../lib/hash/xxh64.ts";
import { BloomFilter } from "../../lib/segment/bloom.ts";
import {
  decodeFooterInfo,
  decodeSegmentHeader,
  decodeTrailer,
  encodeFooterInfo,
  encodeSegmentHeader,
  encodeTrailer,
  FLAG_UTXO,
  SEGMENT_VERSION,
} from "../../lib/segment/segment_format.ts";

const rng = new Prng(2718);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rng.int(0, 255));

Deno.test("seek table: random entries encode, decode and re-encode identically", () => {
  for (const n of [0, 1, 2, 17, 1000]) {
    const entries = Array.from({ length: n }, () => ({
      compressed: rng.int(1, 0x7fffffff),
      decompressed: rng.int(1, 0x7fffffff),
      checksum: rng.int(0, 0xffffffff) >>> 0,
    }));
    const table = encodeSeekTable(entries);
    assertEquals(seekTableLength(table.subarray(table.length - 9)), table.length);
    assertEquals(decodeSeekTable(table), entries);
    assertEquals(encodeSeekTable(decodeSeekTable(table)), table);
  }
  const bad = encodeSeekTable([{ compressed: 1, decompressed: 2, checksum: 3 }]);
  bad[bad.length - 1]! ^= 1;
  assertThrows(() => decodeSeekTable(bad), CorruptDataError);
});

Deno.test("height index: header and records round-trip", () => {
  const head = encodeIndexHeader(123_456, "testnet4");
  assertEquals(decodeIndexHeader(head), { version: 1, startHeight: 123_456, network: "testnet4" });
  const out = new Uint8Array(3 * INDEX_RECORD_SIZE);
  const records = [0, 1, 2].map(() => ({
    chunk: rng.int(0, 1 << 30),
    frame: rng.int(0, 1 << 30),
    offset: rng.int(0, 1 << 30),
    size: rng.int(81, 4_000_000),
    hash: bytes(32),
    header: bytes(80),
  }));
  records.forEach((r, i) => encodeIndexRecord(out, i * INDEX_RECORD_SIZE, r));
  records.forEach((r, i) => assertEquals(decodeIndexRecord(out, i * INDEX_RECORD_SIZE), r));
  const bad = head.slice();
  bad[0] = 0;
  assertThrows(() => decodeIndexHeader(bad), CorruptDataError);
});

Deno.test("zstd frame walker: one frame's length and checksum, also with an appended empty frame", async () => {
  const xxh = await newXxh64();
  for (const size of [1, 1000, 300_000]) {
    const raw = bytes(size);
    // pledgedSrcSize (as the compression workers pass it) puts the content size in the header.
    const opts = {
      params: { [constants.ZSTD_c_checksumFlag]: 1, [constants.ZSTD_c_contentSizeFlag]: 1 },
      pledgedSrcSize: raw.length,
    };
    const frame = zstdCompressSync(raw, opts);
    const f = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    const withEmpty = new Uint8Array([...f, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00]);
    const info = zstdFrameInfo(withEmpty, 0);
    assertEquals(info.length <= f.length, true);
    assertEquals(info.checksum, xxh64Low(xxh, raw));
    assertEquals(info.contentSize, size);
    // Walking frame after frame covers the bytes exactly (zstd may have appended its own).
    let at = info.length;
    while (at < withEmpty.length) at += zstdFrameInfo(withEmpty, at).length;
    assertEquals(at, withEmpty.length);
  }
});

Deno.test("manifest and resume record: encode → parse → encode is stable", () => {
  const m = newManifest("signet", { chunkPolicy: { bytes: 1 << 30 }, startHeight: 7 });
  m.chunks.push({
    id: 0,
    file: "chunks/00000.blk.zst",
    firstHeight: 7,
    lastHeight: 9,
    blocks: 3,
    frames: 1,
    rawBytes: 999,
    storedBytes: 500,
    sha256: "ab".repeat(32),
    open: true,
  });
  m.tip = { height: 9, hash: "cd".repeat(32) };
  const text = manifestJson(m);
  assertEquals(parseManifest(text, "m"), m);
  assertEquals(manifestJson(parseManifest(text, "m")), text);
  const state: ResumeState = {
    format: RESUME_FORMAT,
    version: 2,
    manifest: m,
    open: null,
    indexRecords: 3,
    rejectsBytes: 12,
    pipeline: { anything: [1, "two"] },
  };
  const enc = encodeResumeState(state);
  assertEquals(decodeResumeState(enc, "s"), state);
  // An open chunk's frames are counted, not listed (the list is in state/open-frames.bin).
  const frames = [{ compressed: 10, decompressed: 20, checksum: 7 }, {
    compressed: 11,
    decompressed: 21,
    checksum: 8,
  }];
  const open = { id: 1, frames, bytes: 21, firstHeight: 5, blocks: 4, rawBytes: 41 };
  const withOpen: ResumeState = { ...state, open: { ...open, location: "out" } };
  const stored = decodeResumeState(encodeResumeState(withOpen), "s");
  assertEquals(stored.open, { ...open, frames: 2, location: "out" });
  // Version 1 (frames listed) still reads.
  const v1 = JSON.stringify({ ...withOpen, version: 1 });
  assertEquals(decodeResumeState(v1, "s").open?.frames, frames);
});

Deno.test("blk record and header codecs round-trip", () => {
  const block = bytes(300);
  const rec = encodeRecord(NETWORKS.mainnet.magic, block);
  assertEquals(readRecordLength(rec, 0), 300);
  assertEquals(rec.subarray(RECORD_HEADER_SIZE), block);
  const header = bytes(80);
  assertEquals(serializeHeader(parseHeader(header)), header);
  assertEquals(parseHeader(header).prevHash, header.subarray(HEADER_OFFSETS.prevHash, 36));
});

Deno.test("segment format: header, footer and trailer round-trip; bloom keeps what it was given", () => {
  const h = {
    version: SEGMENT_VERSION,
    flags: FLAG_UTXO,
    keyWidth: 36,
    sortWidth: 41,
    entryWidth: 49,
    entryCount: 123_456_789,
    minHeight: 5,
    maxHeight: 900_000,
  };
  assertEquals(decodeSegmentHeader(encodeSegmentHeader(h), "s"), h);
  const f = {
    bloomBits: 64 * 1000,
    bloomProbes: 7,
    bucketEntries: 83,
    bucketCount: 12,
    entriesXxh64: 0xfedcba9876543210n,
  };
  assertEquals(decodeFooterInfo(encodeFooterInfo(f)), f);
  const t = { footerOffset: 1_000_000, footerLength: 4096, checksum: 0x0123456789abcdefn };
  assertEquals(decodeTrailer(encodeTrailer(t), "s", 1_004_128), t);
  const bloom = BloomFilter.forCapacity(1000);
  const keys = Array.from({ length: 1000 }, () => bytes(36));
  for (const k of keys) bloom.add(k, 0, 36);
  const copy = new BloomFilter(bloom.bits.slice(), bloom.m, bloom.k, bloom.layout);
  for (const k of keys) assertEquals(copy.mayContain(k, 0, 36), true);
});
