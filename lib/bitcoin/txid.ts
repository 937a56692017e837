/**
 * txids and wtxids of a walked block, hashed in one batch.
 * txid = SHA-256d of the serialization without marker, flag and witness;
 * wtxid = SHA-256d of the full serialization (BIP141), coinbase wtxid = 0.
 *
 * @module
 */

import { sha256d } from "../hash/sha256.ts";
import { type Sha256Batch, sharedSha256Batch } from "../hash/sha256_batch.ts";
import { type BlockLayout, TX_SEGWIT } from "./block_layout.ts";
import { grow } from "../bytes/grow.ts";

/** Adds every transaction's txid message (segwit ones without marker, flag and witnesses). */
function addTxidMessages(layout: BlockLayout, batch: Sha256Batch): void {
  for (let t = 0; t < layout.txCount; t++) {
    const start = layout.txStart[t]!;
    const end = layout.txEnd[t]!;
    if (layout.txFlags[t]! & TX_SEGWIT) {
      const body = layout.txBodyStart[t]!;
      const wit = layout.txWitnessStart[t]!;
      batch.add3(start, 4, body, wit - body, end - 4, 4);
    } else {
      batch.add(start, end - start);
    }
  }
}

/** Adds the full serialization of every segwit transaction but the coinbase; returns how many. */
function addWitnessMessages(layout: BlockLayout, batch: Sha256Batch): number {
  let n = 0;
  for (let t = 1; t < layout.txCount; t++) {
    if (!(layout.txFlags[t]! & TX_SEGWIT)) continue;
    batch.add(layout.txStart[t]!, layout.txEnd[t]! - layout.txStart[t]!);
    n++;
  }
  return n;
}

/**
 * Fills `out` with the wtxids: `txids` for transactions without witness, the digests at `hashed`
 * from byte `at` on (one per segwit transaction after the coinbase, in order), and 32 zero bytes
 * for the coinbase. Copies byte by byte: no view per transaction.
 */
function placeWtxids(
  layout: BlockLayout,
  txids: Uint8Array,
  hashed: Uint8Array,
  at: number,
  out: Uint8Array,
): void {
  out.set(txids.subarray(0, 32 * layout.txCount));
  for (let t = 1, k = at; t < layout.txCount; t++) {
    if (!(layout.txFlags[t]! & TX_SEGWIT)) continue;
    for (let b = 0, to = 32 * t; b < 32; b++) out[to + b] = hashed[k + b]!;
    k += 32;
  }
  out.fill(0, 0, 32);
}

/**
 * All txids of `layout`'s block, 32 bytes each, internal byte order.
 *
 * @example
 * ```ts ignore
 * const ids = computeTxids(new BlockLayout().parse(block));
 * ```
 */
export function computeTxids(
  layout: BlockLayout,
  out: Uint8Array = new Uint8Array(32 * layout.txCount),
  batch: Sha256Batch = sharedSha256Batch(),
): Uint8Array {
  batch.load(layout.bytes);
  addTxidMessages(layout, batch);
  batch.run(out);
  return out;
}

/**
 * All wtxids of `layout`'s block; the coinbase's is 32 zero bytes (BIP141).
 * With `txids` given, transactions without witness reuse their txid (they
 * are equal) and only segwit ones are hashed.
 */
export function computeWtxids(
  layout: BlockLayout,
  out: Uint8Array = new Uint8Array(32 * layout.txCount),
  batch: Sha256Batch = sharedSha256Batch(),
  txids?: Uint8Array,
): Uint8Array {
  batch.load(layout.bytes);
  if (!txids) {
    for (let t = 1; t < layout.txCount; t++) {
      batch.add(layout.txStart[t]!, layout.txEnd[t]! - layout.txStart[t]!);
    }
    batch.run(out.subarray(32));
    out.fill(0, 0, 32);
    return out;
  }
  const hashed = new Uint8Array(32 * addWitnessMessages(layout, batch));
  batch.run(hashed);
  placeWtxids(layout, txids, hashed, 0, out);
  return out;
}

/**
 * txids and wtxids of `layout`'s block from one batch: the block is copied into the hasher once and
 * the txid and witness messages share the kernel's lanes. A transaction without witness has its
 * txid as wtxid (not hashed again); the coinbase's wtxid is 32 zero bytes (BIP141).
 *
 * @example
 * ```ts ignore
 * const { txids, wtxids } = computeTxidsAndWtxids(new BlockLayout().parse(block));
 * ```
 */
export function computeTxidsAndWtxids(
  layout: BlockLayout,
  batch: Sha256Batch = sharedSha256Batch(),
): { txids: Uint8Array; wtxids: Uint8Array } {
  const n = layout.txCount;
  batch.load(layout.bytes);
  addTxidMessages(layout, batch);
  allBuffer = grow(allBuffer, 32 * (n + addWitnessMessages(layout, batch)));
  const all = allBuffer;
  batch.run(all);
  const txids = all.slice(0, 32 * n);
  const wtxids = new Uint8Array(32 * n);
  placeWtxids(layout, txids, all, 32 * n, wtxids);
  return { txids, wtxids };
}

/** Where {@link computeTxidsAndWtxids} has the batch put every digest (kept for the next block). */
let allBuffer = new Uint8Array(0);

/** The txid of transaction `t` alone (internal byte order): for lookups that need one, not all. */
export function txidOf(layout: BlockLayout, t: number): Uint8Array {
  const b = layout.bytes, start = layout.txStart[t]!, end = layout.txEnd[t]!;
  if (!(layout.txFlags[t]! & TX_SEGWIT)) return sha256d(b.subarray(start, end));
  const body = layout.txBodyStart[t]!, wit = layout.txWitnessStart[t]!;
  const s = new Uint8Array(4 + (wit - body) + 4);
  s.set(b.subarray(start, start + 4));
  s.set(b.subarray(body, wit), 4);
  s.set(b.subarray(end - 4, end), 4 + wit - body);
  return sha256d(s);
}
