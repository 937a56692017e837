/**
 * BIP141 witness commitment: the last coinbase output whose scriptPubKey
 * starts `6a 24 aa21a9ed` (OP_RETURN, push 36, header) carries
 * SHA-256d(witness merkle root ‖ witness reserved value), where the
 * reserved value is the coinbase input's single 32-byte witness item.
 *
 * @module
 */

import { ByteCursor } from "../bytes/cursor.ts";
import { bytesEqual } from "../bytes/hex.ts";
import { sha256d } from "../hash/sha256.ts";
import { type BlockLayout, TX_SEGWIT } from "./block_layout.ts";
import { merkleRoot } from "./merkle.ts";
import { computeWtxids } from "./txid.ts";

const COMMITMENT_HEADER = [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed];
const MIN_COMMITMENT_SCRIPT = 38;

/** Output index (block-wide) of the coinbase's witness commitment, or -1. */
export function findWitnessCommitment(layout: BlockLayout): number {
  const b = layout.bytes;
  let found = -1;
  for (let o = layout.txFirstOutput[0]!; o < layout.txFirstOutput[1]!; o++) {
    if (layout.outScriptLen[o]! < MIN_COMMITMENT_SCRIPT) continue;
    const s = layout.outScript[o]!;
    let match = true;
    for (let k = 0; k < 6; k++) if (b[s + k] !== COMMITMENT_HEADER[k]) match = false;
    if (match) found = o;
  }
  return found;
}

/** True when any transaction in the block carries witness data. */
export function hasWitness(layout: BlockLayout): boolean {
  for (let t = 0; t < layout.txCount; t++) if (layout.txFlags[t]! & TX_SEGWIT) return true;
  return false;
}

/** Outcome of checking the witness commitment. */
export type WitnessCheck =
  | "ok"
  | "no-witness-data"
  | "bad-witness-nonce-size"
  | "bad-witness-merkle-match"
  | "unexpected-witness";

/**
 * Checks the commitment as Bitcoin Core's `CheckWitnessMalleation`: with a
 * commitment, the coinbase witness must be one 32-byte item and the hash
 * must match; without one, no transaction may have witness data. Passing
 * the block's `txids` saves hashing the transactions that have no witness;
 * passing its `wtxidsKnown` (from `computeTxidsAndWtxids`) saves hashing.
 */
export function checkWitnessCommitment(
  layout: BlockLayout,
  txids?: Uint8Array,
  wtxidsKnown?: Uint8Array,
): WitnessCheck {
  const o = findWitnessCommitment(layout);
  if (o < 0) return hasWitness(layout) ? "unexpected-witness" : "no-witness-data";
  const w = layout.inWitness[0]!;
  if (!(layout.txFlags[0]! & TX_SEGWIT) || w === 0) return "bad-witness-nonce-size";
  const c = new ByteCursor(layout.bytes, w);
  if (c.compactSize("witness.count") !== 1 || c.compactSize("witness.item.length") !== 32) {
    return "bad-witness-nonce-size";
  }
  const nonce = c.take(32, "witness.item");
  const wtxids = wtxidsKnown ??
    computeWtxids(layout, new Uint8Array(32 * layout.txCount), undefined, txids);
  const root = merkleRoot(wtxids).root;
  const buf = new Uint8Array(64);
  buf.set(root);
  buf.set(nonce, 32);
  const expected = sha256d(buf);
  const s = layout.outScript[o]! + 6;
  return bytesEqual(expected, layout.bytes.subarray(s, s + 32)) ? "ok" : "bad-witness-merkle-match";
}
