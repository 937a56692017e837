/**
 * The transaction walker: one pass over a serialized block (BIP144-aware)
 * that records where everything is, as offsets into the block's bytes, in
 * typed arrays reused from block to block — no object per transaction,
 * input or output.
 *
 * Transaction serialization (BIP144):
 * ```text
 * version u32 | [marker 0x00, flag 0x01] | vin: CompactSize n, n × input |
 * vout: CompactSize n, n × output | [witness per input] | lockTime u32
 * input  = prevout txid 32 | vout u32 | CompactSize len | scriptSig | sequence u32
 * output = value i64 | CompactSize len | scriptPubKey
 * ```
 *
 * @module
 */

import { ByteCursor } from "../bytes/cursor.ts";
import { grow } from "../bytes/grow.ts";
import { CorruptDataError } from "../bytes/errors.ts";
import { HEADER_SIZE } from "./header.ts";

/** Bitcoin Core's MAX_SIZE: the largest CompactSize a length may carry. */
export const MAX_COMPACT_SIZE = 0x02000000;
const MIN_INPUT_SIZE = 41;
const MIN_OUTPUT_SIZE = 9;
const MIN_TX_SIZE = 10;

/** Bit in {@link BlockLayout.txFlags}: the transaction has witness data. */
export const TX_SEGWIT = 1;

/**
 * Offsets of every transaction, input and output of one block. Reuse one
 * instance across blocks: arrays only grow.
 */
export class BlockLayout {
  /** The block's bytes (a view; not copied). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Number of transactions. */
  txCount = 0;
  /** Total inputs over all transactions. */
  inputCount = 0;
  /** Total outputs over all transactions. */
  outputCount = 0;
  /** Per tx: offset of its first byte. */
  txStart: Uint32Array = new Uint32Array(64);
  /** Per tx: offset after its last byte. */
  txEnd: Uint32Array = new Uint32Array(64);
  /** Per tx: {@link TX_SEGWIT} flag bits. */
  txFlags: Uint8Array = new Uint8Array(64);
  /** Per tx: offset of the input count (after marker and flag). */
  txBodyStart: Uint32Array = new Uint32Array(64);
  /** Per tx: offset of the witness section (= lockTime offset without witness). */
  txWitnessStart: Uint32Array = new Uint32Array(64);
  /** Per tx (+1 sentinel): index of its first input in the input arrays. */
  txFirstInput: Uint32Array = new Uint32Array(65);
  /** Per tx (+1 sentinel): index of its first output in the output arrays. */
  txFirstOutput: Uint32Array = new Uint32Array(65);
  /** Per input: offset of the 36-byte prevout (txid, vout). */
  inPrevout: Uint32Array = new Uint32Array(256);
  /** Per input: offset of scriptSig. */
  inScript: Uint32Array = new Uint32Array(256);
  /** Per input: scriptSig length. */
  inScriptLen: Uint32Array = new Uint32Array(256);
  /** Per output: offset of the 8-byte value. */
  outValue: Uint32Array = new Uint32Array(256);
  /** Per output: offset of scriptPubKey. */
  outScript: Uint32Array = new Uint32Array(256);
  /** Per output: scriptPubKey length. */
  outScriptLen: Uint32Array = new Uint32Array(256);
  /** Per input: offset of its witness stack (item count), 0 when none. */
  inWitness: Uint32Array = new Uint32Array(256);

  /** Size of the block without witness data (BIP141 stripped size). */
  strippedSize(): number {
    let size = this.bytes.length;
    for (let t = 0; t < this.txCount; t++) {
      if (this.txFlags[t]! & TX_SEGWIT) {
        size -= 2 + (this.txEnd[t]! - 4 - this.txWitnessStart[t]!);
      }
    }
    return size;
  }

  /** BIP141 weight: stripped size × 3 + total size. */
  weight(): number {
    return this.strippedSize() * 3 + this.bytes.length;
  }

  /** Output value in satoshis as a signed 64-bit number (exact below 2^53). */
  outputValue(o: number): number {
    const at = this.outValue[o]!;
    const b = this.bytes;
    const lo = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
    const hi = b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24);
    return hi * 4294967296 + lo;
  }

  private reserveTx(n: number): void {
    this.txStart = grow(this.txStart, n);
    this.txEnd = grow(this.txEnd, n);
    this.txFlags = grow(this.txFlags, n);
    this.txBodyStart = grow(this.txBodyStart, n);
    this.txWitnessStart = grow(this.txWitnessStart, n);
    this.txFirstInput = grow(this.txFirstInput, n + 1);
    this.txFirstOutput = grow(this.txFirstOutput, n + 1);
  }

  private reserveInputs(n: number): void {
    this.inPrevout = grow(this.inPrevout, n);
    this.inScript = grow(this.inScript, n);
    this.inScriptLen = grow(this.inScriptLen, n);
    this.inWitness = grow(this.inWitness, n);
  }

  private reserveOutputs(n: number): void {
    this.outValue = grow(this.outValue, n);
    this.outScript = grow(this.outScript, n);
    this.outScriptLen = grow(this.outScriptLen, n);
  }

  /**
   * Walks `block` (header + transactions). Throws {@link CorruptDataError}
   * (offset relative to the block, field like `tx[3].vin[0].scriptSig`) on
   * truncation, non-minimal CompactSize, absurd counts or trailing bytes.
   */
  parse(block: Uint8Array): this {
    this.bytes = block;
    this.txCount = 0;
    this.inputCount = 0;
    this.outputCount = 0;
    const c = new ByteCursor(block);
    c.skip(HEADER_SIZE, "header");
    const n = c.compactSize("txCount", MAX_COMPACT_SIZE);
    if (n === 0) throw c.error("bad-blk-length", "block has no transactions", "txCount", 0);
    if (n > c.remaining / MIN_TX_SIZE) {
      throw c.error("absurd-count", `${n} transactions in ${c.remaining} bytes`, "txCount");
    }
    this.reserveTx(n);
    let t = 0;
    try {
      for (; t < n; t++) this.walkTx(c, t);
    } catch (e) {
      if (e instanceof CorruptDataError && !e.field.startsWith("tx[")) {
        throw new CorruptDataError(e.code, e.message.replace(/^.*?\): /, ""), {
          offset: e.offset,
          field: `tx[${t}].${e.field}`,
        });
      }
      throw e;
    }
    this.txCount = n;
    this.txFirstInput[n] = this.inputCount;
    this.txFirstOutput[n] = this.outputCount;
    if (c.remaining !== 0) {
      throw c.error("trailing-bytes", `${c.remaining} bytes after the last transaction`, "block");
    }
    return this;
  }

  private walkTx(c: ByteCursor, t: number): void {
    this.txStart[t] = c.pos;
    c.skip(4, "version");
    let segwit = false;
    if (c.remaining >= 1 && c.bytes[c.pos] === 0) {
      c.need(2, "flag");
      const flag = c.bytes[c.pos + 1]!;
      if (flag === 0) throw c.error("bad-txns-vin-empty", "transaction has no inputs", "vin");
      if (flag !== 1) {
        throw c.error("bad-witness-flag", `unknown witness flag ${flag}`, "flag", c.pos + 1);
      }
      c.pos += 2;
      segwit = true;
    }
    this.txBodyStart[t] = c.pos;
    this.txFirstInput[t] = this.inputCount;
    const nIn = c.compactSize("vin.count", MAX_COMPACT_SIZE);
    if (nIn === 0) throw c.error("bad-txns-vin-empty", "transaction has no inputs", "vin.count");
    if (nIn > c.remaining / MIN_INPUT_SIZE) {
      throw c.error("absurd-count", `${nIn} inputs in ${c.remaining} bytes`, "vin.count");
    }
    const firstIn = this.inputCount;
    this.reserveInputs(firstIn + nIn);
    for (let i = 0; i < nIn; i++) {
      const k = firstIn + i;
      this.inPrevout[k] = c.skip(36, "vin.prevout");
      const len = c.compactSize("vin.scriptSig.length", MAX_COMPACT_SIZE);
      this.inScript[k] = c.skip(len, "vin.scriptSig");
      this.inScriptLen[k] = len;
      c.skip(4, "vin.sequence");
      this.inWitness[k] = 0;
    }
    this.inputCount += nIn;
    this.txFirstOutput[t] = this.outputCount;
    const nOut = c.compactSize("vout.count", MAX_COMPACT_SIZE);
    if (nOut > c.remaining / MIN_OUTPUT_SIZE) {
      throw c.error("absurd-count", `${nOut} outputs in ${c.remaining} bytes`, "vout.count");
    }
    const firstOut = this.outputCount;
    this.reserveOutputs(firstOut + nOut);
    for (let o = 0; o < nOut; o++) {
      const k = firstOut + o;
      this.outValue[k] = c.skip(8, "vout.value");
      const len = c.compactSize("vout.scriptPubKey.length", MAX_COMPACT_SIZE);
      this.outScript[k] = c.skip(len, "vout.scriptPubKey");
      this.outScriptLen[k] = len;
    }
    this.outputCount += nOut;
    this.txWitnessStart[t] = c.pos;
    if (segwit) {
      let anyItem = false;
      for (let i = 0; i < nIn; i++) {
        this.inWitness[firstIn + i] = c.pos;
        const items = c.compactSize("witness.count", MAX_COMPACT_SIZE);
        if (items > c.remaining) {
          throw c.error(
            "absurd-count",
            `${items} witness items in ${c.remaining} bytes`,
            "witness",
          );
        }
        if (items > 0) anyItem = true;
        for (let w = 0; w < items; w++) {
          c.skip(c.compactSize("witness.item.length", MAX_COMPACT_SIZE), "witness.item");
        }
      }
      if (!anyItem) {
        throw c.error(
          "superfluous-witness",
          "witness flag set but every witness is empty",
          "witness",
        );
      }
    }
    c.skip(4, "lockTime");
    this.txEnd[t] = c.pos;
    this.txFlags[t] = segwit ? TX_SEGWIT : 0;
  }
}

/** Walks `block` into a new {@link BlockLayout} (convenience; reuse one on hot paths). */
export function parseBlock(block: Uint8Array): BlockLayout {
  return new BlockLayout().parse(block);
}
