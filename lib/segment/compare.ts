/**
 * Byte-wise comparison of fixed-width slices (memcmp order), the one sort
 * order of segments and memory runs.
 *
 * @module
 */

/** Compares `a[ai, ai+len)` with `b[bi, bi+len)`: negative, zero or positive. */
export function compareBytes(
  a: Uint8Array,
  ai: number,
  b: Uint8Array,
  bi: number,
  len: number,
): number {
  for (let i = 0; i < len; i++) {
    const d = a[ai + i]! - b[bi + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Index of the first of `n` entries (width `w`) in `slab` whose first `len` bytes are ≥
 * `key[ki..]`; searched from entry `from` when every entry before it is known to be below.
 */
export function lowerBound(
  slab: Uint8Array,
  n: number,
  w: number,
  key: Uint8Array,
  ki: number,
  len: number,
  from = 0,
): number {
  let lo = from, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(slab, mid * w, key, ki, len) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many entries from index `first` have their first `len` bytes equal to `key[ki..]`. */
export function countEqual(
  slab: Uint8Array,
  n: number,
  w: number,
  first: number,
  key: Uint8Array,
  ki: number,
  len: number,
): number {
  let end = first;
  while (end < n && compareBytes(slab, end * w, key, ki, len) === 0) end++;
  return end - first;
}

/**
 * Copies `len` bytes from `src[srcAt..]` to `dst[dstAt..]` without creating
 * a view (hot paths copy one entry at a time; `subarray` would allocate).
 */
export function copyBytes(
  dst: Uint8Array,
  dstAt: number,
  src: Uint8Array,
  srcAt: number,
  len: number,
): void {
  for (let i = 0; i < len; i++) dst[dstAt + i] = src[srcAt + i]!;
}
