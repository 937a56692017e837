/**
 * Proof of work: compact nBits ⇄ 256-bit target (Bitcoin Core's
 * arith_uint256 SetCompact/GetCompact), hash-vs-target check, chain work.
 *
 * @module
 */

/** A decoded nBits value. */
export interface CompactTarget {
  /** The target (0 when negative or overflowing). */
  target: bigint;
  /** Sign bit set with a non-zero mantissa. */
  negative: boolean;
  /** Exponent pushes the mantissa past 256 bits. */
  overflow: boolean;
}

/**
 * Decodes nBits exactly as Bitcoin Core's `SetCompact`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { targetFromBits } from "./pow.ts";
 * assert(targetFromBits(0x1d00ffff).target === 0xffffn << 208n);
 * ```
 */
export function targetFromBits(bits: number): CompactTarget {
  const size = bits >>> 24;
  let word = BigInt(bits & 0x007fffff);
  if (size <= 3) word >>= BigInt(8 * (3 - size));
  else word <<= BigInt(8 * (size - 3));
  const negative = word !== 0n && (bits & 0x00800000) !== 0;
  const mant = bits & 0x007fffff;
  const overflow = mant !== 0 &&
    (size > 34 || (mant > 0xff && size > 33) || (mant > 0xffff && size > 32));
  return { target: negative || overflow ? 0n : word, negative, overflow };
}

/** Encodes a non-negative target as nBits (Bitcoin Core's `GetCompact`). */
export function bitsFromTarget(target: bigint): number {
  if (target < 0n) throw new RangeError("Target must be non-negative");
  let size = byteLength(target);
  let compact: number;
  if (size <= 3) compact = Number(target << BigInt(8 * (3 - size)));
  else compact = Number(target >> BigInt(8 * (size - 3)));
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  return ((size << 24) | compact) >>> 0;
}

function byteLength(n: bigint): number {
  let size = 0;
  while (n > 0n) {
    n >>= 8n;
    size++;
  }
  return size;
}

/** A 32-byte hash (internal byte order) as an integer (little-endian). */
export function hashToBigInt(hash: Uint8Array): bigint {
  let v = 0n;
  for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(hash[i]!);
  return v;
}

/** Why a proof-of-work check failed, or null when it passes. */
export type PowFailure =
  | "bad-bits-negative"
  | "bad-bits-zero"
  | "bad-bits-overflow"
  | "bad-bits-above-limit"
  | "high-hash";

/**
 * Bitcoin Core's `CheckProofOfWork`: nBits must decode to a positive target
 * within `powLimit`, and the hash must not exceed it.
 */
export function checkProofOfWork(
  hash: Uint8Array,
  bits: number,
  powLimit: bigint,
): PowFailure | null {
  const t = targetFromBits(bits);
  if (t.negative) return "bad-bits-negative";
  if (t.overflow) return "bad-bits-overflow";
  if (t.target === 0n) return "bad-bits-zero";
  if (t.target > powLimit) return "bad-bits-above-limit";
  return hashToBigInt(hash) > t.target ? "high-hash" : null;
}

/** Expected number of hashes for a block at `bits`: 2^256 / (target + 1). */
export function blockWork(bits: number): bigint {
  const t = targetFromBits(bits);
  if (t.negative || t.overflow || t.target === 0n) return 0n;
  return (1n << 256n) / (t.target + 1n);
}
