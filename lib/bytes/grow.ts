/**
 * Growing typed arrays in place of per-item objects: the one helper the
 * block walker, the batch hasher and the chain-wide rules share.
 *
 * @module
 */

/** Typed arrays {@link grow} handles. */
export type GrowableArray = Uint8Array | Uint32Array | Int32Array | Float64Array;

/**
 * `a` if it holds `need` elements, else a copy at least twice as long.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grow } from "./grow.ts";
 * const a = Uint32Array.of(1, 2);
 * const b = grow(a, 3);
 * assert.deepEqual([b.length, b[1]], [4, 2]);
 * assert.equal(grow(b, 4), b);
 * ```
 */
export function grow<T extends GrowableArray>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a as never);
  return b;
}
