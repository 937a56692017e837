/**
 * Worker side of the validation pool: runs {@link BlockChecker} (the whole
 * check, or its height-independent precheck) on blocks transferred in (zero
 * copy) and transfers them back with the result. The same workers also
 * compress archive frames (collect's one pool of threads).
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { closeSync } from "node:fs";
import { zstdDecompressSync } from "node:zlib";
import {
  compressFrameSync,
  frameOutputBound,
  frameOutputBuffer,
  joinRecords,
} from "../archive/zstd_compress_sync.ts";
import { preadExact } from "../store/pread.ts";
import { openForScan } from "../store/scan_open.ts";
import { networkByName } from "../bitcoin/network.ts";
import { BlockChecker, type CheckLevel } from "./check_block.ts";

/** Message to the worker. */
export interface CheckRequest {
  id: number;
  network: string;
  level: CheckLevel;
  /** Only the height-independent part ({@link BlockChecker.precheck}): no hash or height. */
  precheck?: boolean;
  height?: number;
  hash?: Uint8Array;
  bytes: Uint8Array;
  /** Compress `bytes` into one zstd frame at this level instead of checking it. */
  compress?: number;
  /** With `compress`: compress these blocks written as blk records (`magic`, length, block). */
  records?: Uint8Array[];
  /** The records' network magic. */
  magic?: Uint8Array;
  /** With `compress`: a spare frame buffer (one the writer is done with) to compress into. */
  spare?: Uint8Array;
  /**
   * `bytes` is an archive frame as stored (or, with `source`, empty: read it from the file):
   * decompress it and precheck the blocks at these (offset, size) pairs of the decompressed
   * bytes instead.
   */
  blocks?: Uint32Array;
  /** Where to read the frame (a local file), when `bytes` is empty. */
  source?: { path: string; offset: number; length: number };
}

let checker: BlockChecker | undefined;

self.onmessage = (e: MessageEvent<CheckRequest>) => {
  const m = e.data;
  if (m.compress !== undefined) return compress(m);
  if (m.blocks !== undefined) return precheckFrame(m);
  if (!checker || checker.network.name !== m.network) {
    checker = new BlockChecker(networkByName(m.network));
  }
  let failure = null, pre = null;
  let error: string | null = null;
  try {
    if (m.precheck) pre = checker.precheck(m.bytes, m.level);
    else failure = checker.check(m.bytes, m.hash!, m.height!, m.level);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err);
  }
  self.postMessage({ id: m.id, bytes: m.bytes, failure, pre, error }, [
    m.bytes.buffer as ArrayBuffer,
  ]);
};

/** Where this worker joins records to compress (kept from frame to frame). */
let joined: Uint8Array = new Uint8Array(0);
/** Spare frame buffers sent with compress requests, used for the next frames. */
const spares: Uint8Array[] = [];

function compress(m: CheckRequest): void {
  const transfer = [m.bytes.buffer as ArrayBuffer];
  if (m.records) {
    for (const b of new Set(m.records.map((r) => r.buffer))) transfer.push(b as ArrayBuffer);
  }
  try {
    let input = m.bytes;
    if (m.records) {
      const j = joinRecords(m.records, m.magic!, joined);
      joined = j.buffer;
      input = joined.subarray(0, j.length);
    }
    if (m.spare && m.spare.length > 0 && spares.length < 4) spares.push(m.spare);
    // Compressed in place into a buffer that comes back as a spare once written; one too small
    // for this frame is dropped (frames of one archive are alike in size).
    let into = spares.pop();
    if (!into || into.length < frameOutputBound(input.length)) {
      into = frameOutputBuffer(input.length);
    }
    const compressed = compressFrameSync(input, m.compress!, into);
    transfer.push(compressed.buffer as ArrayBuffer);
    self.postMessage({
      id: m.id,
      bytes: m.bytes,
      records: m.records,
      rawBytes: input.length,
      compressed,
    }, transfer);
  } catch (err) {
    self.postMessage(
      { id: m.id, bytes: m.bytes, records: m.records, error: String(err) },
      transfer,
    );
  }
}

function precheckFrame(m: CheckRequest): void {
  try {
    checker ??= new BlockChecker(networkByName(m.network));
    const out = zstdDecompressSync(m.source ? readSource(m.source) : m.bytes);
    // Its own buffer, to transfer (node:zlib returns one for a frame this size).
    const raw = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? new Uint8Array(out.buffer)
      : new Uint8Array(out);
    const b = m.blocks!, pres = [];
    for (let i = 0; i < b.length; i += 2) {
      pres.push(checker.precheck(raw.subarray(b[i]!, b[i]! + b[i + 1]!), m.level));
    }
    self.postMessage({ id: m.id, bytes: raw, pres }, [raw.buffer as ArrayBuffer]);
  } catch (err) {
    self.postMessage({ id: m.id, error: String(err) });
  }
}

function readSource(s: { path: string; offset: number; length: number }): Uint8Array {
  const buf = new Uint8Array(s.length);
  const fd = openForScan(s.path); // the index's pass: not a user's read of the chunk
  try {
    preadExact(fd, buf, s.offset, s.path);
  } finally {
    closeSync(fd);
  }
  return buf;
}
