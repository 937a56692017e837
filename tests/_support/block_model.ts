/**
 * A plain object model of a block for building test mutations (allocation
 * per field is fine here: this is test code), with "reseal": recompute the
 * witness commitment and merkle root, and mine at the regtest target.
 *
 * @module
 */

import { ByteCursor } from "../../lib/bytes/cursor.ts";
import { BlockLayout, TX_SEGWIT } from "../../lib/bitcoin/block_layout.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { merkleRoot } from "../../lib/bitcoin/merkle.ts";
import { checkProofOfWork, hashToBigInt, targetFromBits } from "../../lib/bitcoin/pow.ts";
import { computeTxids, computeWtxids } from "../../lib/bitcoin/txid.ts";
import { findWitnessCommitment } from "../../lib/bitcoin/witness_commitment.ts";
import { sha256d } from "../../lib/hash/sha256.ts";
import { ByteWriter } from "../../lib/bytes/byte_writer.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";

export interface TxIn {
  prevout: Uint8Array; // 36 bytes
  script: Uint8Array;
  sequence: number;
  witness: Uint8Array[];
}
export interface TxOut {
  value: bigint;
  script: Uint8Array;
}
export interface Tx {
  version: number;
  segwit: boolean;
  inputs: TxIn[];
  outputs: TxOut[];
  lockTime: number;
}
export interface Block {
  header: Uint8Array; // 80 bytes (copy)
  txs: Tx[];
}

/** Decodes a block into the model. */
export function decodeBlock(bytes: Uint8Array): Block {
  const L = new BlockLayout().parse(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const txs: Tx[] = [];
  for (let t = 0; t < L.txCount; t++) {
    const inputs: TxIn[] = [];
    for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
      const s = L.inScript[i]!, n = L.inScriptLen[i]!;
      const witness: Uint8Array[] = [];
      if (L.inWitness[i]) {
        const c = new ByteCursor(bytes, L.inWitness[i]!);
        const items = c.compactSize("w");
        for (let k = 0; k < items; k++) witness.push(c.take(c.compactSize("l"), "item").slice());
      }
      inputs.push({
        prevout: bytes.slice(L.inPrevout[i]!, L.inPrevout[i]! + 36),
        script: bytes.slice(s, s + n),
        sequence: v.getUint32(s + n, true),
        witness,
      });
    }
    const outputs: TxOut[] = [];
    for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
      outputs.push({
        value: v.getBigInt64(L.outValue[o]!, true),
        script: bytes.slice(L.outScript[o]!, L.outScript[o]! + L.outScriptLen[o]!),
      });
    }
    txs.push({
      version: v.getInt32(L.txStart[t]!, true),
      segwit: (L.txFlags[t]! & TX_SEGWIT) !== 0,
      inputs,
      outputs,
      lockTime: v.getUint32(L.txEnd[t]! - 4, true),
    });
  }
  return { header: bytes.slice(0, 80), txs };
}

/** Serializes the model. */
export function encodeBlock(b: Block): Uint8Array {
  const w = new ByteWriter();
  w.bytes(b.header).varint(b.txs.length);
  for (const tx of b.txs) {
    w.u32(tx.version >>> 0);
    if (tx.segwit) w.u8(0).u8(1);
    w.varint(tx.inputs.length);
    for (const i of tx.inputs) w.bytes(i.prevout).varbytes(i.script).u32(i.sequence);
    w.varint(tx.outputs.length);
    for (const o of tx.outputs) {
      const val = new Uint8Array(8);
      new DataView(val.buffer).setBigInt64(0, o.value, true);
      w.bytes(val).varbytes(o.script);
    }
    if (tx.segwit) {
      for (const i of tx.inputs) {
        w.varint(i.witness.length);
        for (const item of i.witness) w.varbytes(item);
      }
    }
    w.u32(tx.lockTime);
  }
  return w.toBytes();
}

/** Header field setters. */
export function setHeader(
  b: Block,
  f: { version?: number; time?: number; bits?: number; prev?: Uint8Array },
): void {
  const v = new DataView(b.header.buffer, b.header.byteOffset, 80);
  if (f.version !== undefined) v.setInt32(0, f.version, true);
  if (f.prev) b.header.set(f.prev, 4);
  if (f.time !== undefined) v.setUint32(68, f.time, true);
  if (f.bits !== undefined) v.setUint32(72, f.bits, true);
}

/**
 * Encodes, then (each optional, default on) fixes the witness commitment,
 * the merkle root, and mines the nonce for the header's nBits.
 */
export function reseal(
  b: Block,
  opts: { commitment?: boolean; merkle?: boolean; mine?: boolean } = {},
): Uint8Array {
  const bytes = encodeBlock(b);
  const L = new BlockLayout().parse(bytes);
  if (opts.commitment !== false) {
    const o = findWitnessCommitment(L);
    if (o >= 0) {
      const buf = new Uint8Array(64);
      buf.set(merkleRoot(computeWtxids(L)).root);
      buf.set(b.txs[0]!.inputs[0]!.witness[0] ?? new Uint8Array(32), 32);
      bytes.set(sha256d(buf), L.outScript[o]! + 6);
    }
  }
  if (opts.merkle !== false) bytes.set(merkleRoot(computeTxids(L)).root, 36);
  if (opts.mine !== false) mine(bytes);
  return bytes;
}

/** Grinds the nonce until the header meets its own nBits (regtest-easy targets only). */
export function mine(bytes: Uint8Array): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, 80);
  const bits = v.getUint32(72, true);
  for (let nonce = 0; nonce < 1 << 24; nonce++) {
    v.setUint32(76, nonce, true);
    if (hashToBigInt(blockHash(bytes)) <= targetFromBits(bits).target) return;
  }
  throw new Error("could not mine the block");
}

/** Sets the nonce so that the header does NOT meet its nBits. */
export function unmine(bytes: Uint8Array): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, 80);
  const bits = v.getUint32(72, true);
  for (let nonce = 0;; nonce++) {
    v.setUint32(76, nonce, true);
    if (checkProofOfWork(blockHash(bytes), bits, NETWORKS.regtest.powLimit) === "high-hash") return;
  }
}
