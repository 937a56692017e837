/**
 * GF(2^16) as PAR2 2.0 defines it: generator polynomial
 * x^16 + x^12 + x^3 + x + 1 (0x1100B), log/antilog tables, and the
 * constants of the input slices (2^n for the n ≥ 1 coprime to 65535, in
 * order: 2, 4, 16, 128, 256, …).
 *
 * @module
 */

/** The field's generator polynomial. */
export const GF16_GENERATOR = 0x1100b;
/** Number of non-zero elements (the multiplicative group's order). */
export const GF16_LIMIT = 65535;

/** antilog: EXP[i] = 2^i (i < 65535; EXP has 2×65535 entries so sums of logs need no modulo). */
export const GF16_EXP: Uint16Array = new Uint16Array(2 * GF16_LIMIT);
/** log: LOG[x] = i with 2^i = x, for x ≠ 0. */
export const GF16_LOG: Uint16Array = new Uint16Array(GF16_LIMIT + 1);

{
  let x = 1;
  for (let i = 0; i < GF16_LIMIT; i++) {
    GF16_EXP[i] = x;
    GF16_EXP[i + GF16_LIMIT] = x;
    GF16_LOG[x] = i;
    x <<= 1;
    if (x & 0x10000) x ^= GF16_GENERATOR;
  }
}

/**
 * Product of two field elements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gfMul } from "./gf16.ts";
 * assert.equal(gfMul(2, 0x8000), 0x100b); // x · x^15 = x^16 = x^12 + x^3 + x + 1
 * ```
 */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF16_EXP[GF16_LOG[a]! + GF16_LOG[b]!]!;
}

/** Quotient `a / b` (b ≠ 0). */
export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError("division by zero in GF(2^16)");
  if (a === 0) return 0;
  return GF16_EXP[GF16_LOG[a]! + GF16_LIMIT - GF16_LOG[b]!]!;
}

/** `a` to the power `e` (e ≥ 0). */
export function gfPow(a: number, e: number): number {
  if (e === 0) return 1;
  if (a === 0) return 0;
  return GF16_EXP[(GF16_LOG[a]! * e) % GF16_LIMIT]!;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Most input slices one recovery set can have (the number of usable constants). */
export const MAX_INPUT_SLICES = 32768;

/** The constants of the first `n` input slices, in slice order. */
export function inputConstants(n: number): Uint16Array {
  if (n > MAX_INPUT_SLICES) throw new RangeError(`PAR2 allows at most ${MAX_INPUT_SLICES} slices`);
  const out = new Uint16Array(n);
  let logBase = 0;
  for (let i = 0; i < n; i++) {
    while (gcd(GF16_LIMIT, logBase) !== 1) logBase++;
    out[i] = GF16_EXP[logBase++]!;
  }
  return out;
}
