/**
 * Bloom filter over fixed-width keys, with its parameters carried along
 * (they are stored in the segment footer; the layout in its header's
 * flags), in one of three layouts (docs/FORMATS.md, "Segment"):
 *
 * - `blocked`: every probe of a key falls in one 512-bit (64-byte) line,
 *   line h1 mod (m / 512); probe j tests the top 9 bits of
 *   h2 · 0x9e3779b9^j (mod 2^32) within it — RocksDB's cache-local filter:
 *   one cache miss per key instead of up to k. False positives at 12 bits
 *   and 7 probes: 0.42% (classic 0.33%).
 * - `prefix`: the same, in the line the key's first four bytes fall in, for
 *   keys uniform there (they start with a txid). A writer adds keys in
 *   sorted order, so it fills the filter front to back: 6.1 M spend-index
 *   keys (9 MB filter) took 43 ns each against 106 (blocked) and 137–339
 *   (classic), and absent keys test in 93 ns against 101 and 142 (measured
 *   here, one process each).
 * - `classic` (segments written before): double hashing, probe j tests bit
 *   (h1 + j·h2) mod m (computed exactly in float64, so m may exceed 2^32).
 *
 * h1, h2 are two 32-bit mixes of the key ({@link keyHashes}).
 *
 * @module
 */

import { releasable } from "../bytes/releasable.ts";

/** Bits per entry by default. */
export const BLOOM_BITS_PER_ENTRY = 12;
/** Probes by default. */
export const BLOOM_PROBES = 7;

/** The two 32-bit hashes of `key[at, at+len)` (murmur3-style mixing of 32-bit words). */
export function keyHashes(key: Uint8Array, at: number, len: number, out: Uint32Array): void {
  let h1 = 0x9747b28c ^ len, h2 = 0x85ebca6b ^ len;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    let k = key[at + i]! | (key[at + i + 1]! << 8) | (key[at + i + 2]! << 16) |
      (key[at + i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = (Math.imul(h2 ^ k, 0x27d4eb2d) + i) | 0;
  }
  for (; i < len; i++) {
    h1 = Math.imul(h1 ^ key[at + i]!, 0x01000193);
    h2 = Math.imul(h2 ^ key[at + i]!, 0x5bd1e995);
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0x2c1b3c6d);
  h2 ^= h2 >>> 12;
  h2 = Math.imul(h2, 0x297a2d39);
  h2 ^= h2 >>> 15;
  out[0] = h1 >>> 0;
  out[1] = (h2 | 1) >>> 0;
}

/** Bits of a blocked filter's line (one 64-byte cache line). */
const LINE_BITS = 512;
/** The multiplier that steps a blocked filter's probes (2^32 / golden ratio). */
const PROBE_STEP = 0x9e3779b9;

/**
 * Where a filter puts a key's probes: `classic` over all m bits; `blocked` in one 512-bit line
 * chosen by h1; `prefix` in the line its key's first four bytes fall in (see the module doc).
 */
export type BloomLayout = "classic" | "blocked" | "prefix";

/** The multiple of which a filter's size in bits must be: 64 (classic) or a 512-bit line. */
export function bloomSizeUnit(layout: BloomLayout): number {
  return layout === "classic" ? 64 : LINE_BITS;
}

/**
 * The line of a `prefix` filter of `lines` lines for `key[at, at+len)`: ⌊p · lines / 2³²⌋ with p
 * the first four bytes big-endian (missing bytes 0), computed exactly.
 */
export function prefixLine(key: Uint8Array, at: number, len: number, lines: number): number {
  const p = ((len > 0 ? key[at]! << 24 : 0) | (len > 1 ? key[at + 1]! << 16 : 0) |
    (len > 2 ? key[at + 2]! << 8 : 0) | (len > 3 ? key[at + 3]! : 0)) >>> 0;
  // Exact in one product while p · lines < 2^53 (filters up to 128 MiB); past that, p in 16-bit
  // halves so that every product stays exact.
  if (lines <= 0x200000) return Math.floor(p * lines * 2 ** -32);
  const hi = Math.floor(p / 65536) * lines, lo = (p % 65536) * lines;
  return Math.floor(hi / 65536) + Math.floor(((hi % 65536) * 65536 + lo) / 4294967296);
}

/** A bloom filter of `m` bits and `k` probes in a {@link BloomLayout}; see the module doc. */
export class BloomFilter {
  private readonly h = new Uint32Array(2);
  private readonly lines: number;

  /** `m`: a multiple of 64 bits (classic) or of 512 (the blocked layouts). */
  constructor(
    readonly bits: Uint8Array,
    readonly m: number,
    readonly k: number,
    readonly layout: BloomLayout,
  ) {
    const unit = bloomSizeUnit(layout);
    if (m % unit !== 0 || bits.length !== m / 8) {
      throw new RangeError(`bloom size must be a multiple of ${unit} bits`);
    }
    this.lines = m / LINE_BITS;
  }

  /** An empty filter sized for `entries` at `bitsPerEntry`. */
  static forCapacity(
    entries: number,
    bitsPerEntry = BLOOM_BITS_PER_ENTRY,
    k = BLOOM_PROBES,
    layout: BloomLayout = "blocked",
  ): BloomFilter {
    const unit = bloomSizeUnit(layout);
    const m = Math.max(unit, Math.ceil((Math.max(1, entries) * bitsPerEntry) / unit) * unit);
    return new BloomFilter(releasable(m / 8), m, k, layout);
  }

  /** Byte offset of the line of a blocked layout's key (hashes already in `h`). */
  private lineOf(key: Uint8Array, at: number, len: number): number {
    return 64 *
      (this.layout === "prefix" ? prefixLine(key, at, len, this.lines) : this.h[0]! % this.lines);
  }

  /** Adds `key[at, at+len)`. */
  add(key: Uint8Array, at: number, len: number): void {
    keyHashes(key, at, len, this.h);
    const bits = this.bits;
    if (this.layout !== "classic") {
      const line = this.lineOf(key, at, len);
      let x = this.h[1]!;
      for (let j = 0; j < this.k; j++) {
        const b = x >>> 23;
        bits[line + (b >>> 3)]! |= 1 << (b & 7);
        x = Math.imul(x, PROBE_STEP) >>> 0;
      }
      return;
    }
    // Probe j is (h1 + j·h2) mod m, stepped by addition: no division per probe.
    const m = this.m, step = this.h[1]! % m;
    let bit = this.h[0]! % m;
    if (m <= 0x80000000) {
      for (let j = 0; j < this.k; j++) {
        bits[bit >>> 3]! |= 1 << (bit & 7);
        bit += step;
        if (bit >= m) bit -= m;
      }
      return;
    }
    for (let j = 0; j < this.k; j++) {
      bits[Math.floor(bit / 8)]! |= 1 << (bit % 8); // exact in float64: m < 2^37
      bit += step;
      if (bit >= m) bit -= m;
    }
  }

  /** False when the key is certainly absent. */
  mayContain(key: Uint8Array, at: number, len: number): boolean {
    keyHashes(key, at, len, this.h);
    const bits = this.bits;
    if (this.layout !== "classic") {
      const line = this.lineOf(key, at, len);
      let x = this.h[1]!;
      for (let j = 0; j < this.k; j++) {
        const b = x >>> 23;
        if ((bits[line + (b >>> 3)]! & (1 << (b & 7))) === 0) return false;
        x = Math.imul(x, PROBE_STEP) >>> 0;
      }
      return true;
    }
    const m = this.m, step = this.h[1]! % m;
    let bit = this.h[0]! % m;
    if (m <= 0x80000000) {
      for (let j = 0; j < this.k; j++) {
        if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
        bit += step;
        if (bit >= m) bit -= m;
      }
      return true;
    }
    for (let j = 0; j < this.k; j++) {
      if ((bits[Math.floor(bit / 8)]! & (1 << (bit % 8))) === 0) return false;
      bit += step;
      if (bit >= m) bit -= m;
    }
    return true;
  }

  /**
   * Theoretical false-positive rate after `n` insertions. Blocked layouts: the classic rate of
   * one 512-bit line averaged over how many keys a line gets (Poisson with mean n / lines; keys
   * uniform in their first four bytes for `prefix`).
   */
  expectedFpr(n: number): number {
    const k = this.k;
    if (this.layout === "classic") return (1 - Math.exp((-k * n) / this.m)) ** k;
    const mean = n / this.lines;
    let p = Math.exp(-mean), sum = 0; // p: the chance that a line holds i keys
    for (let i = 0; i <= mean + 12 * Math.sqrt(mean) + 20; i++) {
      if (i > 0) p *= mean / i;
      sum += p * (1 - (1 - 1 / LINE_BITS) ** (k * i)) ** k;
    }
    return sum;
  }
}
