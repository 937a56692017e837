/**
 * Merkle root over 32-byte hashes as Bitcoin computes it (odd levels
 * duplicate their last node), with Bitcoin Core's mutation flag for
 * CVE-2012-2459: two equal adjacent nodes at any level mean another
 * transaction list has the same root.
 *
 * @module
 */

import { type Sha256Batch, sharedSha256Batch } from "../hash/sha256_batch.ts";
import { grow } from "../bytes/grow.ts";

/** Root and mutation flag. */
export interface MerkleResult {
  /** Root hash, internal byte order (32 zero bytes for an empty list). */
  root: Uint8Array;
  /** True when some level had two equal adjacent nodes (CVE-2012-2459). */
  mutated: boolean;
}

function equal32(a: Uint8Array, i: number, j: number): boolean {
  for (let k = 0; k < 32; k++) if (a[i + k] !== a[j + k]) return false;
  return true;
}

/**
 * Merkle root of `count` hashes stored back to back in `hashes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { merkleRoot } from "./merkle.ts";
 * const one = new Uint8Array(32).fill(7);
 * assert(merkleRoot(one, 1).root[0] === 7);
 * ```
 */
export function merkleRoot(
  hashes: Uint8Array,
  count = hashes.length / 32,
  batch: Sha256Batch = sharedSha256Batch(),
): MerkleResult {
  if (count === 0) return { root: new Uint8Array(32), mutated: false };
  // The levels alternate between two buffers kept for the next tree (no fresh memory per level).
  levelBuffer = grow(levelBuffer, 32 * count + 64);
  nextBuffer = grow(nextBuffer, 32 * count + 64);
  let level = levelBuffer, next = nextBuffer;
  level.set(hashes.subarray(0, 32 * count));
  let mutated = false;
  for (let n = count; n > 1; [level, next] = [next, level]) {
    for (let i = 0; i + 1 < n; i += 2) if (equal32(level, 32 * i, 32 * i + 32)) mutated = true;
    n = hashLevel(level, n, next, batch);
  }
  return { root: level.slice(0, 32), mutated };
}

let levelBuffer = new Uint8Array(0), nextBuffer = new Uint8Array(0);

/**
 * Hashes the `n` nodes of `level` pairwise into `next` (an odd last one pairs with itself: `level`
 * has room for one more) and returns how many that makes.
 */
function hashLevel(level: Uint8Array, n: number, next: Uint8Array, batch: Sha256Batch): number {
  if (n % 2 === 1) {
    level.copyWithin(32 * n, 32 * (n - 1), 32 * n);
    n++;
  }
  batch.load(level.subarray(0, 32 * n));
  for (let i = 0; i < n; i += 2) batch.add(32 * i, 64);
  batch.run(next);
  return n / 2;
}

/**
 * The merkle branch of leaf `index` among `count` hashes: the sibling at
 * each level, leaf level first (Electrum's `get_merkle`, Esplora's merkle
 * proof).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { merkleBranch } from "./merkle.ts";
 * const leaves = new Uint8Array(64).fill(7, 32); // two leaves
 * assert.deepEqual(merkleBranch(leaves, 0), [leaves.slice(32)]);
 * ```
 */
export function merkleBranch(
  hashes: Uint8Array,
  index: number,
  count = hashes.length / 32,
  batch: Sha256Batch = sharedSha256Batch(),
): Uint8Array[] {
  let level = new Uint8Array(32 * count + 64), next = new Uint8Array(32 * count + 64);
  level.set(hashes.subarray(0, 32 * count));
  const branch: Uint8Array[] = [];
  for (let n = count, pos = index; n > 1; pos >>= 1, [level, next] = [next, level]) {
    const sibling = (pos ^ 1) < n ? pos ^ 1 : pos;
    branch.push(level.slice(32 * sibling, 32 * sibling + 32));
    n = hashLevel(level, n, next, batch);
  }
  return branch;
}
