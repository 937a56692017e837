/**
 * Bloom filter over fixed-width keys, with its parameters carried along
 * (they are stored in the segment footer). Double hashing: probe j tests
 * bit (h1 + j·h2) mod m, with h1, h2 two 32-bit mixes of the key (computed
 * exactly in float64, so m may exceed 2^32).
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

/** A bloom filter of `bits` bits (a multiple of 64) and `probes` probes. */
export class BloomFilter {
  private readonly h = new Uint32Array(2);

  constructor(readonly bits: Uint8Array, readonly m: number, readonly k: number) {
    if (m % 64 !== 0 || bits.length !== m / 8) {
      throw new RangeError("bloom size must be a multiple of 64 bits");
    }
  }

  /** An empty filter sized for `entries` at `bitsPerEntry`. */
  static forCapacity(
    entries: number,
    bitsPerEntry = BLOOM_BITS_PER_ENTRY,
    k = BLOOM_PROBES,
  ): BloomFilter {
    const m = Math.max(64, Math.ceil((Math.max(1, entries) * bitsPerEntry) / 64) * 64);
    return new BloomFilter(releasable(m / 8), m, k);
  }

  /** Adds `key[at, at+len)`. */
  add(key: Uint8Array, at: number, len: number): void {
    keyHashes(key, at, len, this.h);
    // Probe j is (h1 + j·h2) mod m, stepped by addition: no division per probe.
    const m = this.m, step = this.h[1]! % m, bits = this.bits;
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
    const m = this.m, step = this.h[1]! % m, bits = this.bits;
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

  /** Theoretical false-positive rate after `n` insertions. */
  expectedFpr(n: number): number {
    return (1 - Math.exp((-this.k * n) / this.m)) ** this.k;
  }
}
