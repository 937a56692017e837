/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as PAR2's slice
 * checksums use it: slice-by-8 tables, incremental (`crc32(more, previous)`).
 *
 * @module
 */

const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 255]!;
    }
  }
  return t;
})();

/**
 * CRC-32 of `bytes`, continuing from `crc` (0 to start).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32 } from "./crc32.ts";
 * assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
 * ```
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    const a =
      (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>>
      0;
    c = t[7 * 256 + (a & 255)]! ^ t[6 * 256 + ((a >>> 8) & 255)]! ^
      t[5 * 256 + ((a >>> 16) & 255)]! ^
      t[4 * 256 + (a >>> 24)]! ^ t[3 * 256 + bytes[i + 4]!]! ^ t[2 * 256 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return ~c >>> 0;
}
