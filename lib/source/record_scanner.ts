/**
 * Splits the bytes of one blk file into block records, however the bytes
 * arrive (any chunking gives the same events — the "partial" property).
 *
 * Record layout: `magic (4) | length u32 LE | block (length)`. Real files
 * also hold zero padding (preallocated space, never XORed on disk), a
 * truncated last record (node still writing), and after crashes garbage or
 * torn records. Each is reported as a {@link SkipEvent}; the scanner then
 * resynchronises on the next magic followed by a plausible length.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import { BlockLayout } from "../bitcoin/block_layout.ts";
import { NETWORK_NAMES, type NetworkParams, NETWORKS } from "../bitcoin/network.ts";
import { applyXor, isNullKey } from "./xor.ts";

import { RECORD_HEADER_SIZE } from "../bitcoin/blk_record.ts";
export { RECORD_HEADER_SIZE };
/** Smallest plausible block: 80-byte header + 1 tx count byte + a tiny tx. */
export const MIN_BLOCK_SIZE = 81;
/** Largest plausible block: BIP141 MAX_BLOCK_SERIALIZED_SIZE. */
export const MAX_BLOCK_SIZE = 4_000_000;

/** A complete block record. */
export interface BlockRecordEvent {
  kind: "block";
  /** File offset of the record's magic. */
  offset: number;
  /**
   * The block (de-obfuscated copy, owned by the receiver): a view from offset 0 of a buffer that
   * holds nothing else (longer than the block when the scanner's `alloc` made it so).
   */
  bytes: Uint8Array;
}

/** Why bytes were skipped. */
export type SkipReason =
  | "padding" // zeros up to the end of the file (preallocated space)
  | "zero-fill" // zeros between records
  | "garbage" // bytes that are not a record, up to the next magic
  | "bad-length" // a magic with an impossible length
  | "torn" // a record whose block does not parse and is not followed by a record
  | "truncated"; // the last record runs past the end of the file

/** A skipped byte range. */
export interface SkipEvent {
  kind: "skip";
  /** File offset of the first skipped byte. */
  offset: number;
  /** Number of bytes skipped. */
  length: number;
  /** Why. */
  reason: SkipReason;
  /** Human-readable detail. */
  detail: string;
}

/** What the scanner reports. */
export type ScanEvent = BlockRecordEvent | SkipEvent;

/** Scanner options. */
export interface RecordScannerOptions {
  /** Expected network; detected from the first magic when absent. */
  network?: NetworkParams;
  /** XOR key of the file (Bitcoin Core 28+), all zero or absent for plain files. */
  xorKey?: Uint8Array;
  /** File offset of the first byte pushed (for resuming mid-file). */
  startOffset?: number;
  /** File name used in errors. */
  fileName?: string;
  /**
   * Where blocks are copied: a view of `n` bytes from offset 0 of a buffer of the block's own
   * (default: a new buffer of exactly `n` bytes).
   */
  alloc?: (n: number) => Uint8Array;
}

const NO_KEY = new Uint8Array(8);

/**
 * Incremental record scanner for one file. Feed with {@link push}, end with
 * {@link finish}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecordScanner } from "./record_scanner.ts";
 * const s = new RecordScanner();
 * const events: unknown[] = [];
 * s.push(new Uint8Array(16), (e) => events.push(e));
 * s.finish((e) => events.push(e)); // one "padding" skip of 16 bytes
 * assert(events.length === 1);
 * ```
 */
export class RecordScanner {
  /** The network, once known. */
  network: NetworkParams | undefined;
  /** Records emitted so far. */
  records = 0;
  private readonly key: Uint8Array;
  private readonly plain: boolean;
  private readonly fileName: string | undefined;
  private readonly alloc: ((n: number) => Uint8Array) | undefined;
  private pending: Uint8Array = new Uint8Array(0);
  /**
   * Where the pending bytes and the next chunk are joined, reused from chunk to chunk (a fresh
   * buffer per chunk costs the kernel's zeroing of its pages each time). Nothing keeps a view of
   * it: blocks and the new pending bytes are copies.
   */
  private join: Uint8Array = new Uint8Array(0);
  private base: number; // file offset of pending[0]
  private zeroStart = -1; // file offset where a zero run began, or -1
  private garbageStart = -1; // file offset where garbage began, or -1
  private garbageZeros = -1; // file offset where the garbage's trailing zero run began, or -1
  private readonly layout = new BlockLayout();

  constructor(options: RecordScannerOptions = {}) {
    this.network = options.network;
    this.key = options.xorKey ?? NO_KEY;
    this.plain = isNullKey(this.key);
    this.base = options.startOffset ?? 0;
    this.fileName = options.fileName;
    this.alloc = options.alloc;
  }

  /** File offset up to which bytes have been fully accounted for. */
  get consumedOffset(): number {
    return this.base;
  }

  /**
   * Scans `chunk` (raw file bytes, following the previous chunk). A record left pending by the
   * previous chunk is completed from the first bytes of this one and the rest is scanned in place:
   * only that record is joined, not the whole chunk (a copy of every byte read, ≈0.3 core-s/GiB).
   */
  push(chunk: Uint8Array, emit: (e: ScanEvent) => void): void {
    const k = this.pending.length === 0 ? -1 : this.completingBytes(chunk);
    if (k > 0) {
      const unread = this.pushJoined(chunk.subarray(0, k), emit);
      // The bytes left unread (a few, or the next record's start) are the chunk's own: scan on
      // from there instead of copying them out as pending bytes.
      if (unread > k) {
        this.pushJoined(chunk.subarray(k), emit);
        return;
      }
      this.pending = new Uint8Array(0);
      chunk = chunk.subarray(k - unread);
    }
    this.pushJoined(chunk, emit);
  }

  /**
   * How many bytes of `chunk` complete the pending record and the 4 bytes that follow it (the
   * next magic, which the scan looks at), or -1 when the pending bytes start no record or the
   * chunk does not hold them all.
   */
  private completingBytes(chunk: Uint8Array): number {
    const have = this.pending.length;
    if (this.garbageStart >= 0 || this.zeroStart >= 0) return -1;
    if (have + chunk.length < RECORD_HEADER_SIZE) return -1;
    const head = new Uint8Array(RECORD_HEADER_SIZE);
    head.set(this.pending.subarray(0, RECORD_HEADER_SIZE));
    if (have < RECORD_HEADER_SIZE) head.set(chunk.subarray(0, RECORD_HEADER_SIZE - have), have);
    if (!this.recordStartsAt(head, 0)) return -1;
    const need = RECORD_HEADER_SIZE + this.lengthAt(head, 4) + 4 - have;
    return need > 0 && need < chunk.length ? need : -1;
  }

  /** Scans the pending bytes followed by `chunk`; returns how many bytes it left pending. */
  private pushJoined(chunk: Uint8Array, emit: (e: ScanEvent) => void): number {
    let data: Uint8Array;
    if (this.pending.length === 0) data = chunk;
    else {
      const need = this.pending.length + chunk.length;
      if (this.join.length < need) this.join = new Uint8Array(need);
      data = this.join.subarray(0, need);
      data.set(this.pending);
      data.set(chunk, this.pending.length);
    }
    const used = this.scan(data, false, emit);
    this.pending = used === data.length ? new Uint8Array(0) : data.slice(used);
    this.base += used;
    return data.length - used;
  }

  /** Reports whatever is left at the end of the file. */
  finish(emit: (e: ScanEvent) => void): void {
    const data = this.pending;
    const used = this.scan(data, true, emit);
    this.base += used;
    this.pending = new Uint8Array(0);
  }

  private decoded(data: Uint8Array, i: number): number {
    return this.plain ? data[i]! : data[i]! ^ this.key[(this.base + i) & 7]!;
  }

  /** The known network whose magic starts at data[i] (needs 4 bytes), or undefined. */
  private magicAt(data: Uint8Array, i: number): NetworkParams | undefined {
    const b0 = this.decoded(data, i);
    for (const name of NETWORK_NAMES) {
      const m = NETWORKS[name].magic;
      if (
        b0 === m[0] && this.decoded(data, i + 1) === m[1] && this.decoded(data, i + 2) === m[2] &&
        this.decoded(data, i + 3) === m[3]
      ) return NETWORKS[name];
    }
    return undefined;
  }

  private lengthAt(data: Uint8Array, i: number): number {
    return (this.decoded(data, i) | (this.decoded(data, i + 1) << 8) |
      (this.decoded(data, i + 2) << 16) | (this.decoded(data, i + 3) << 24)) >>> 0;
  }

  /** A magic of the expected network (any, when not yet known) with a plausible length. */
  private recordStartsAt(data: Uint8Array, i: number): boolean {
    const net = this.magicAt(data, i);
    if (!net || (this.network && net !== this.network)) return false;
    const len = this.lengthAt(data, i + 4);
    return len >= MIN_BLOCK_SIZE && len <= MAX_BLOCK_SIZE;
  }

  private skip(
    emit: (e: ScanEvent) => void,
    offset: number,
    end: number,
    reason: SkipReason,
    detail: string,
  ) {
    if (end > offset) emit({ kind: "skip", offset, length: end - offset, reason, detail });
  }

  /** Processes data from 0; returns how many bytes were consumed. */
  private scan(data: Uint8Array, atEnd: boolean, emit: (e: ScanEvent) => void): number {
    const n = data.length;
    let p = 0;
    while (p < n) {
      // Inside a garbage run: look for the next plausible record start.
      if (this.garbageStart >= 0) {
        // Track a trailing run of raw zeros: at the end of the file it is padding.
        while (p + RECORD_HEADER_SIZE <= n && !this.recordStartsAt(data, p)) {
          this.trackZero(data[p]!, p);
          p++;
        }
        if (p + RECORD_HEADER_SIZE > n) {
          if (!atEnd) return p;
          for (; p < n; p++) this.trackZero(data[p]!, p);
          break;
        }
        this.skip(emit, this.garbageStart, this.base + p, "garbage", "no record magic");
        this.garbageStart = -1;
        this.garbageZeros = -1;
      }
      // Zero run (raw zeros: preallocated space is never XORed).
      if (data[p] === 0 && !(p + RECORD_HEADER_SIZE <= n && this.recordStartsAt(data, p))) {
        if (this.zeroStart < 0) this.zeroStart = this.base + p;
        while (p < n && data[p] === 0) {
          // With a key, a record's raw first byte can be 0: look before eating it.
          if (!this.plain) {
            if (p + RECORD_HEADER_SIZE > n) {
              if (!atEnd) return p;
            } else if (this.recordStartsAt(data, p)) break;
          }
          p++;
        }
        if (p === n) {
          if (!atEnd) return p;
          break;
        }
        this.skip(emit, this.zeroStart, this.base + p, "zero-fill", "zero bytes between records");
        this.zeroStart = -1;
        continue;
      }
      if (this.zeroStart >= 0) {
        this.skip(emit, this.zeroStart, this.base + p, "zero-fill", "zero bytes between records");
        this.zeroStart = -1;
      }
      if (p + RECORD_HEADER_SIZE > n) {
        if (!atEnd) return p;
        this.skip(emit, this.base + p, this.base + n, "truncated", "record header cut short");
        return n;
      }
      const net = this.magicAt(data, p);
      if (net === undefined) {
        this.garbageStart = this.base + p;
        p++;
        continue;
      }
      if (this.network && net !== this.network) {
        throw new CorruptDataError(
          "unexpected-magic",
          `${net.name} magic in a ${this.network.name} block file`,
          this.where(p, "record.magic"),
        );
      }
      const len = this.lengthAt(data, p + 4);
      if (len < MIN_BLOCK_SIZE || len > MAX_BLOCK_SIZE) {
        this.skip(emit, this.base + p, this.base + p + 4, "bad-length", `length ${len}`);
        this.garbageStart = this.base + p + 4;
        p += 4;
        continue;
      }
      const end = p + RECORD_HEADER_SIZE + len;
      if (end > n) {
        if (!atEnd) return p;
        // Runs past the end of the file: the node was still writing it — unless another
        // record starts inside, in which case this one is torn and we resynchronise.
        let q = p + RECORD_HEADER_SIZE;
        while (q + RECORD_HEADER_SIZE <= n && !this.recordStartsAt(data, q)) q++;
        if (q + RECORD_HEADER_SIZE <= n) {
          this.skip(emit, this.base + p, this.base + q, "torn", `record of ${len} bytes cut short`);
          p = q;
          continue;
        }
        this.skip(
          emit,
          this.base + p,
          this.base + n,
          "truncated",
          `record of ${len} bytes, ${n - p - RECORD_HEADER_SIZE} present`,
        );
        return n;
      }
      // Is the record followed by another record, zeros, or the end of the file?
      if (end + 4 > n && !atEnd) return p;
      const bytes = this.copyOut(data, p + RECORD_HEADER_SIZE, end);
      if (!this.plain) applyXor(bytes, this.key, this.base + p + RECORD_HEADER_SIZE);
      // Followed by a record: trust the length. Followed by zeros or the end of the file (where
      // a partly written record lands: files are preallocated with zeros) or by anything
      // else: the block must walk, or the record is incomplete / torn.
      const nextIsRecord = end + 4 <= n && this.magicAt(data, end) !== undefined;
      if (!nextIsRecord && !this.walks(bytes)) {
        const atTail = end + 4 > n || data[end] === 0;
        this.skip(
          emit,
          this.base + p,
          this.base + p + RECORD_HEADER_SIZE,
          atTail ? "truncated" : "torn",
          atTail ? "record not completely written: block does not parse" : "block does not parse",
        );
        this.garbageStart = this.base + p + RECORD_HEADER_SIZE;
        p += RECORD_HEADER_SIZE;
        continue;
      }
      this.network ??= net;
      this.records++;
      emit({ kind: "block", offset: this.base + p, bytes });
      p = end;
    }
    if (atEnd) {
      if (this.garbageStart >= 0) {
        const zeros = this.garbageZeros >= 0 ? this.garbageZeros : this.base + n;
        this.skip(emit, this.garbageStart, zeros, "garbage", "no record magic");
        this.skip(emit, zeros, this.base + n, "padding", "zeros to the end of the file");
        this.garbageStart = -1;
        this.garbageZeros = -1;
      }
      if (this.zeroStart >= 0) {
        this.skip(emit, this.zeroStart, this.base + n, "padding", "zeros to the end of the file");
        this.zeroStart = -1;
      }
    }
    return n;
  }

  private copyOut(data: Uint8Array, from: number, to: number): Uint8Array {
    if (!this.alloc) return data.slice(from, to);
    const bytes = this.alloc(to - from);
    bytes.set(data.subarray(from, to));
    return bytes;
  }

  private trackZero(byte: number, p: number): void {
    if (byte !== 0) this.garbageZeros = -1;
    else if (this.garbageZeros < 0) this.garbageZeros = this.base + p;
  }

  private walks(block: Uint8Array): boolean {
    try {
      this.layout.parse(block);
      return true;
    } catch (e) {
      if (e instanceof CorruptDataError) return false;
      throw e;
    }
  }

  private where(p: number, field: string) {
    const w: { offset: number; field: string; file?: string } = { offset: this.base + p, field };
    if (this.fileName !== undefined) w.file = this.fileName;
    return w;
  }
}
