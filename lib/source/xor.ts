/**
 * Bitcoin Core 28+ block-file obfuscation: every byte of blk/rev files is
 * XORed with an 8-byte key (`blocks/xor.dat`) indexed by its absolute file
 * offset. An all-zero key means plain files.
 *
 * @module
 */

/** Key length in bytes. */
export const XOR_KEY_SIZE = 8;

/** True when the key leaves bytes unchanged. */
export function isNullKey(key: Uint8Array | undefined): boolean {
  return key === undefined || key.every((b) => b === 0);
}

/**
 * XORs `buf` in place as the bytes found at `fileOffset` of an obfuscated
 * file (the operation is its own inverse).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyXor } from "./xor.ts";
 * const b = new Uint8Array([1, 2]);
 * applyXor(b, Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1), 0);
 * assert(b[0] === 0 && b[1] === 3);
 * ```
 */
export function applyXor(buf: Uint8Array, key: Uint8Array, fileOffset: number): void {
  if (key.length !== XOR_KEY_SIZE) {
    throw new RangeError(`XOR key must be ${XOR_KEY_SIZE} bytes, got ${key.length}`);
  }
  if (isNullKey(key)) return;
  const phase = fileOffset % XOR_KEY_SIZE;
  // Rotate the key so buf[i] uses key[i & 7], then XOR 8 bytes at a time where aligned.
  const k = new Uint8Array(8);
  for (let i = 0; i < 8; i++) k[i] = key[(phase + i) % 8]!;
  const n = buf.length;
  let i = 0;
  if (buf.byteOffset % 4 === 0) {
    const words = Math.floor(n / 8);
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset, words * 2);
    const kv = new Uint32Array(k.buffer);
    const k0 = kv[0]!, k1 = kv[1]!;
    for (let w = 0; w < words * 2; w += 2) {
      u32[w] = u32[w]! ^ k0;
      u32[w + 1] = u32[w + 1]! ^ k1;
    }
    i = words * 8;
  }
  for (; i < n; i++) buf[i] = buf[i]! ^ k[i & 7]!;
}
