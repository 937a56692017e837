/**
 * Hex encoding, plus the byte-reversed "display order" Bitcoin uses for
 * hashes (block hashes and txids are shown as big-endian numbers).
 *
 * @module
 */

const HEX = "0123456789abcdef";
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

/**
 * Lowercase hex of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toHex } from "./hex.ts";
 * assert(toHex(new Uint8Array([1, 255])) === "01ff");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_HEX[bytes[i]!];
  return s;
}

function nibble(c: number, s: string, i: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  throw new SyntaxError(`Invalid hex character at position ${i}: ${JSON.stringify(s[i])}`);
}

/**
 * Bytes of a hex string (either case, no prefix, even length).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromHex } from "./hex.ts";
 * assert(fromHex("01FF")[1] === 255);
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new SyntaxError(`Hex string has odd length: ${hex.length}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (nibble(hex.charCodeAt(2 * i), hex, 2 * i) << 4) |
      nibble(hex.charCodeAt(2 * i + 1), hex, 2 * i + 1);
  }
  return out;
}

/**
 * Display form of a 32-byte hash: bytes reversed, then hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashToHex } from "./hex.ts";
 * const h = new Uint8Array(32); h[31] = 1;
 * assert(hashToHex(h).startsWith("01"));
 * ```
 */
export function hashToHex(hash: Uint8Array): string {
  let s = "";
  for (let i = hash.length - 1; i >= 0; i--) s += BYTE_TO_HEX[hash[i]!];
  return s;
}

/** Internal byte order of a hash given in display (reversed) hex. */
export function hashFromHex(hex: string): Uint8Array {
  if (hex.length !== 64) throw new SyntaxError(`A hash is 64 hex characters, got ${hex.length}`);
  return fromHex(hex).reverse();
}

/** True when two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
