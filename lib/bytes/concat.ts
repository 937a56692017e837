/**
 * Concatenation of byte arrays.
 *
 * @module
 */

/**
 * One new array holding `parts` back to back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatBytes } from "./concat.ts";
 * assert(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]).length === 3);
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
