/**
 * Streaming segment writer with bounded memory: entries go through a
 * 1 MiB buffer to a temporary file; the bloom filter (sized from the
 * expected count) and the bucket directory grow in memory; `finish()`
 * writes footer and trailer, patches the header, fsyncs and renames.
 *
 * Contract: entries must be added in strictly ascending order of their
 * first `sortWidth` bytes; end with {@link SegmentWriter.finish} or
 * {@link SegmentWriter.abandon}.
 *
 * @module
 */

import { newXxh64, type Xxh64 } from "../hash/xxh64.ts";
import { parentOf, syncDir, writeAllSync } from "../store/local_store.ts";
import { BLOOM_BITS_PER_ENTRY, BLOOM_PROBES, BloomFilter, type BloomLayout } from "./bloom.ts";
import { release } from "../bytes/releasable.ts";
import { compareBytes, copyBytes } from "./compare.ts";
import {
  BLOOM_FLAGS,
  bloomFlagOf,
  bucketEntriesFor,
  encodeFooterInfo,
  encodeSegmentHeader,
  encodeTrailer,
  FLAG_UTXO,
  SEGMENT_HEADER_SIZE,
  SEGMENT_VERSION,
  type SegmentHeader,
} from "./segment_format.ts";

/** Writer options. */
export interface SegmentWriterOptions {
  /** Bytes of the lookup key. */
  keyWidth: number;
  /** Bytes of the (unique) sort prefix. */
  sortWidth: number;
  /** Bytes per entry. */
  entryWidth: number;
  /** Header flags ({@link FLAG_UTXO}; the bloom layout's flags are the writer's to set). */
  flags?: number;
  /** Expected number of entries (sizes the bloom filter; more is safe, fewer raises the FPR). */
  capacity: number;
  /** Bloom bits per entry (default 12). */
  bitsPerEntry?: number;
  /** Bloom probes (default 7). */
  probes?: number;
  /**
   * The bloom filter's layout (bloom.ts): `blocked` (default); `prefix` where keys are uniform in
   * their first four bytes (txids), so that adding them in order fills the filter in order;
   * `classic`, that of segments written before these (kept for tests of those).
   */
  bloomLayout?: BloomLayout;
}

const BUFFER = 1 << 20;

/** Writes one segment file. */
export class SegmentWriter {
  /** Entries written so far. */
  count = 0;
  private readonly file: Deno.FsFile;
  private readonly buf: Uint8Array;
  private used = 0;
  private readonly prev: Uint8Array;
  private readonly bloom: BloomFilter;
  private readonly flags: number;
  private dir: Uint8Array;
  private readonly bucket: number;
  private minHeight = 0xffffffff;
  private maxHeight = 0;
  private done = false;

  private constructor(
    readonly path: string,
    readonly options: SegmentWriterOptions,
    private readonly xxh: Xxh64,
  ) {
    const { keyWidth, sortWidth, entryWidth } = options;
    if (!(keyWidth > 0 && sortWidth >= keyWidth && entryWidth >= sortWidth)) {
      throw new RangeError("Segment widths must satisfy 0 < keyWidth ≤ sortWidth ≤ entryWidth");
    }
    this.file = Deno.openSync(`${path}.tmp`, { write: true, create: true, truncate: true });
    writeAllSync(this.file, new Uint8Array(SEGMENT_HEADER_SIZE)); // patched by finish()
    this.buf = new Uint8Array(Math.max(BUFFER, entryWidth));
    this.prev = new Uint8Array(sortWidth);
    const layout = options.bloomLayout ?? "blocked";
    this.bloom = BloomFilter.forCapacity(
      options.capacity,
      options.bitsPerEntry ?? BLOOM_BITS_PER_ENTRY,
      options.probes ?? BLOOM_PROBES,
      layout,
    );
    this.flags = ((options.flags ?? 0) & ~BLOOM_FLAGS) | bloomFlagOf(layout);
    this.bucket = bucketEntriesFor(entryWidth);
    this.dir = new Uint8Array(keyWidth * 64);
  }

  /** Starts a segment at `path` (written as `path.tmp` until finished). */
  static async create(path: string, options: SegmentWriterOptions): Promise<SegmentWriter> {
    return SegmentWriter.createWith(path, options, await newXxh64());
  }

  /** {@link create} with a hasher the caller made (synchronous; the writer takes it over until finished). */
  static createWith(path: string, options: SegmentWriterOptions, xxh: Xxh64): SegmentWriter {
    xxh.init();
    return new SegmentWriter(path, options, xxh);
  }

  /** Appends `n` entries stored back to back in `entries` from `at`. */
  add(entries: Uint8Array, at = 0, n = 1): void {
    if (this.done) throw new Error("Segment writer already finished");
    const { keyWidth, sortWidth, entryWidth } = this.options;
    const utxo = (this.flags & FLAG_UTXO) !== 0;
    for (let i = 0; i < n; i++) {
      const e = at + i * entryWidth;
      if (this.count > 0 && compareBytes(entries, e, this.prev, 0, sortWidth) <= 0) {
        throw new RangeError(
          `Segment entries must be added in strictly ascending order: entry ${this.count} is not above the previous one`,
        );
      }
      copyBytes(this.prev, 0, entries, e, sortWidth);
      this.bloom.add(entries, e, keyWidth);
      if (this.count % this.bucket === 0) {
        const b = this.count / this.bucket;
        if ((b + 1) * keyWidth > this.dir.length) {
          const next = new Uint8Array(this.dir.length * 2);
          next.set(this.dir);
          this.dir = next;
        }
        copyBytes(this.dir, b * keyWidth, entries, e, keyWidth);
      }
      if (utxo) {
        const inv = ((entries[e + keyWidth]! << 24) | (entries[e + keyWidth + 1]! << 16) |
          (entries[e + keyWidth + 2]! << 8) | entries[e + keyWidth + 3]!) >>> 0;
        const height = 0xffffffff - inv;
        if (height < this.minHeight) this.minHeight = height;
        if (height > this.maxHeight) this.maxHeight = height;
      }
      if (this.used + entryWidth > this.buf.length) this.flushBuffer();
      copyBytes(this.buf, this.used, entries, e, entryWidth);
      this.used += entryWidth;
      this.count++;
    }
  }

  private flushBuffer(): void {
    const chunk = this.buf.subarray(0, this.used);
    this.xxh.update(chunk);
    writeAllSync(this.file, chunk);
    this.used = 0;
  }

  /** Writes footer and trailer, fsyncs, renames into place; returns the header. */
  finish(): SegmentHeader {
    this.flushBuffer();
    const { keyWidth, sortWidth, entryWidth } = this.options;
    const bucketCount = Math.ceil(this.count / this.bucket);
    const header: SegmentHeader = {
      version: SEGMENT_VERSION,
      flags: this.flags,
      keyWidth,
      sortWidth,
      entryWidth,
      entryCount: this.count,
      minHeight: this.count > 0 && this.minHeight !== 0xffffffff ? this.minHeight : 0,
      maxHeight: this.maxHeight,
    };
    const headerBytes = encodeSegmentHeader(header);
    const info = encodeFooterInfo({
      bloomBits: this.bloom.m,
      bloomProbes: this.bloom.k,
      bucketEntries: this.bucket,
      bucketCount,
      entriesXxh64: BigInt("0x" + this.xxh.digest("hex")),
    });
    const directory = this.dir.subarray(0, bucketCount * keyWidth);
    const footerOffset = SEGMENT_HEADER_SIZE + this.count * entryWidth;
    const footerLength = info.length + this.bloom.bits.length + directory.length;
    this.xxh.init();
    this.xxh.update(headerBytes);
    this.xxh.update(info);
    this.xxh.update(this.bloom.bits);
    this.xxh.update(directory);
    const checksum = BigInt("0x" + this.xxh.digest("hex"));
    writeAllSync(this.file, info);
    writeAllSync(this.file, this.bloom.bits);
    writeAllSync(this.file, directory);
    writeAllSync(this.file, encodeTrailer({ footerOffset, footerLength, checksum }));
    this.file.seekSync(0, Deno.SeekMode.Start);
    writeAllSync(this.file, headerBytes);
    this.file.syncSync();
    this.file.close();
    Deno.renameSync(`${this.path}.tmp`, this.path);
    syncDir(parentOf(this.path));
    this.done = true;
    release(this.bloom.bits); // written: its memory goes now, not at the next collection
    return header;
  }

  /** Drops the partial file. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.file.close();
    } catch {
      // already closed
    }
    try {
      Deno.removeSync(`${this.path}.tmp`);
    } catch {
      // already gone
    }
  }
}
