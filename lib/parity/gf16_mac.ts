/**
 * The hot loop: `dst ^= c · src` over buffers of little-endian 16-bit
 * words. Per coefficient, two 256-entry tables (products with the low and
 * the high byte), then one XOR of two lookups per word — no object per word.
 *
 * @module
 */

import { GF16_EXP, GF16_LOG } from "./gf16.ts";

/** Product tables of one coefficient: [0..255] low byte, [256..511] high byte. */
export function mulTables(c: number, out: Uint16Array = new Uint16Array(512)): Uint16Array {
  return mulTablesWith(c, out, GF16_EXP, GF16_LOG);
}

/** {@link mulTables} with the field tables passed in (self-contained: also runs in workers). */
export function mulTablesWith(
  c: number,
  out: Uint16Array,
  exp: Uint16Array,
  log: Uint16Array,
): Uint16Array {
  out.fill(0);
  if (c === 0) return out;
  const lc = log[c]!;
  for (let b = 1; b < 256; b++) {
    out[b] = exp[lc + log[b]!]!;
    out[256 + b] = exp[lc + log[b << 8]!]!;
  }
  return out;
}

/**
 * `dst[i] ^= c · src[i]` for every 16-bit word, with `tables` from {@link mulTables}(c).
 * Both views must hold the same number of words.
 */
export function mulAdd(dst: Uint16Array, src: Uint16Array, tables: Uint16Array): void {
  const n = src.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = src[i]!, b = src[i + 1]!, c = src[i + 2]!, d = src[i + 3]!;
    dst[i] = dst[i]! ^ tables[a & 255]! ^ tables[256 + (a >>> 8)]!;
    dst[i + 1] = dst[i + 1]! ^ tables[b & 255]! ^ tables[256 + (b >>> 8)]!;
    dst[i + 2] = dst[i + 2]! ^ tables[c & 255]! ^ tables[256 + (c >>> 8)]!;
    dst[i + 3] = dst[i + 3]! ^ tables[d & 255]! ^ tables[256 + (d >>> 8)]!;
  }
  for (; i < n; i++) {
    const a = src[i]!;
    dst[i] = dst[i]! ^ tables[a & 255]! ^ tables[256 + (a >>> 8)]!;
  }
}

/** The platform stores 16-bit words little-endian (as PAR2 does): checked once. */
export const LITTLE_ENDIAN: boolean = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
