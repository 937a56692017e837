/**
 * Bitcoin Core's compact encodings of the UTXO set (`src/serialize.h`
 * VARINT, `src/compressor.{h,cpp}` amount and script compression), as its
 * chainstate and `dumptxoutset` snapshots use them.
 *
 * @module
 */

import type { ByteWriter } from "../bytes/byte_writer.ts";

const varIntTmp = new Uint8Array(10);

/** Appends Core's VARINT (MSB-first base-128, each continuation adds one), for values below 2^53. */
export function writeVarInt(out: ByteWriter, n: number): void {
  let len = 0;
  for (;; len++) {
    varIntTmp[len] = (n % 128) | (len ? 0x80 : 0);
    if (n <= 0x7f) break;
    n = Math.floor(n / 128) - 1;
  }
  for (let i = len; i >= 0; i--) out.u8(varIntTmp[i]!);
}

/**
 * Reads a VARINT at `b[at]`; returns [value, next offset] or null when `b` ends first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteWriter } from "../bytes/byte_writer.ts";
 * import { readVarInt, writeVarInt } from "./core_compress.ts";
 * const out = new ByteWriter(16);
 * writeVarInt(out, 16511); // serialize.h's own example: 16511 → [0xFF 0x7F]
 * assert.deepEqual([...out.view()], [0xff, 0x7f]);
 * assert.deepEqual(readVarInt(out.view(), 0), [16511, 2]);
 * ```
 */
export function readVarInt(b: Uint8Array, at: number): [number, number] | null {
  let n = 0;
  for (let i = at; i < b.length; i++) {
    const ch = b[i]!;
    n = n * 128 + (ch & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER) throw new RangeError("VARINT too large");
    if (ch & 0x80) n++;
    else return [n, i + 1];
  }
  return null;
}

/** Core's CompressAmount: trailing decimal zeros folded into a small exponent. */
export function compressAmount(n: number): number {
  if (n === 0) return 0;
  let e = 0;
  while (n % 10 === 0 && e < 9) {
    n /= 10;
    e++;
  }
  if (e < 9) {
    const d = n % 10;
    n = Math.floor(n / 10);
    return 1 + (n * 9 + d - 1) * 10 + e;
  }
  return 1 + (n - 1) * 10 + 9;
}

/** Core's DecompressAmount. */
export function decompressAmount(x: number): number {
  if (x === 0) return 0;
  x--;
  let e = x % 10;
  x = Math.floor(x / 10);
  let n: number;
  if (e < 9) {
    const d = (x % 9) + 1;
    x = Math.floor(x / 9);
    n = x * 10 + d;
  } else n = x + 1;
  while (e-- > 0) n *= 10;
  return n;
}

/** Script types 0..5 are stored compressed (Core's nSpecialScripts). */
export const SPECIAL_SCRIPTS = 6;

const P = (1n << 256n) - (1n << 32n) - 977n;

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function toBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function fromBig(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** The secp256k1 point with x `x` and odd/even y, or null when x is not on the curve. */
function liftX(x: Uint8Array, odd: boolean): Uint8Array | null {
  const X = toBig(x);
  if (X >= P) return null;
  const y2 = (X * X % P * X + 7n) % P;
  let y = modPow(y2, (P + 1n) / 4n, P);
  if ((y * y) % P !== y2) return null;
  if (((y & 1n) === 1n) !== odd) y = P - y;
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(x, 1);
  out.set(fromBig(y, 32), 33);
  return out;
}

/**
 * Core's script compression type for `s` (0 P2PKH, 1 P2SH, 2/3 P2PK with a
 * compressed key, 4/5 P2PK with a valid uncompressed key), or -1 when it is
 * stored as is (`script[from..to)`); the body is `compressedScriptBody(type)` bytes
 * in, `specialScriptSize(type)` long.
 */
export function compressedScriptType(script: Uint8Array, from = 0, to = script.length): number {
  const n = to - from, s = (i: number) => script[from + i]!;
  if (
    n === 25 && s(0) === 0x76 && s(1) === 0xa9 && s(2) === 20 && s(23) === 0x88 && s(24) === 0xac
  ) {
    return 0;
  }
  if (n === 23 && s(0) === 0xa9 && s(1) === 20 && s(22) === 0x87) return 1;
  if (n === 35 && s(0) === 33 && s(34) === 0xac && (s(1) === 2 || s(1) === 3)) return s(1);
  if (n === 67 && s(0) === 65 && s(66) === 0xac && s(1) === 4) {
    const point = liftX(script.subarray(from + 2, from + 34), (s(65) & 1) === 1);
    if (point && point.every((v, i) => v === s(1 + i))) return 4 | (s(65) & 1);
  }
  return -1;
}

/** Offset in the script where a compressed script's body starts. */
export function compressedScriptBody(type: number): number {
  return type === 0 ? 3 : 2;
}

/**
 * Core's CompressScript: P2PKH → 0‖hash, P2SH → 1‖hash, P2PK with a
 * compressed key → 2|3‖x, with a valid uncompressed key → 4|5‖x; null for
 * every other script (stored as VARINT(size + 6) ‖ script).
 */
export function compressScript(s: Uint8Array): Uint8Array | null {
  const type = compressedScriptType(s);
  if (type < 0) return null;
  const from = compressedScriptBody(type);
  const o = new Uint8Array(1 + specialScriptSize(type));
  o[0] = type;
  o.set(s.subarray(from, from + specialScriptSize(type)), 1);
  return o;
}

/** Bytes that follow a compressed script's type byte (Core's GetSpecialScriptSize). */
export function specialScriptSize(type: number): number {
  return type < 2 ? 20 : 32;
}

/** Core's DecompressScript for types 0..5 (`body` after the type byte); null for a bad key. */
export function decompressScript(type: number, body: Uint8Array): Uint8Array | null {
  const s = (bytes: number[]) => Uint8Array.from(bytes);
  switch (type) {
    case 0:
      return s([0x76, 0xa9, 20, ...body, 0x88, 0xac]);
    case 1:
      return s([0xa9, 20, ...body, 0x87]);
    case 2:
    case 3:
      return s([33, type, ...body, 0xac]);
    case 4:
    case 5: {
      const point = liftX(body, type === 5);
      return point ? s([65, ...point, 0xac]) : null;
    }
  }
  return null;
}
