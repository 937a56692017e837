/**
 * The chain-wide rules (Bitcoin Core's `ConnectBlock` without scripts):
 * every input spends an existing unspent output (earlier in the chain, or
 * earlier in the same block), coinbase outputs mature after 100 blocks,
 * input values are in range and cover the outputs, the coinbase claims at
 * most subsidy + fees, and no transaction overwrites an unspent output of
 * the same txid (BIP30, with Core's exceptions).
 *
 * {@link UtxoRules.connect} checks one block against a {@link UtxoView} and
 * leaves the block's effect in typed arrays (`adds`, `deletes`) for the
 * caller to apply; nothing is allocated per input or output.
 *
 * @module
 */

import type { BlockLayout } from "../bitcoin/block_layout.ts";
import { grow } from "../bytes/grow.ts";
import { hashToHex } from "../bytes/hex.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import { MAX_MONEY } from "../validate/check_block.ts";
import { type CheckFailure, fail } from "../validate/reject.ts";
import {
  BIP34_HASH,
  BIP34_IMPLIES_BIP30_LIMIT,
  blockSubsidy,
  COINBASE_MATURITY,
  isBip30Repeat,
  MAX_SCRIPT_SIZE,
} from "./block_subsidy.ts";
import { OutpointTable, TxidTable } from "./block_tables.ts";

/** Unspent outputs before the block: value id (value × 2 + coinbase) or −1, and the creation height. */
export interface UtxoView {
  /** Value id of the outpoint at `key[at..at+36)`, or −1 when absent or spent. */
  get(key: Uint8Array, at: number): number;
  /** Creation height of the output the last {@link get} found. */
  readonly foundHeight: number;
  /**
   * Optional, for a cache that applies the block's effect (`UtxoCache`): where the last
   * {@link get} found its key in memory (an entry number), and where the key would be inserted;
   * −1 each when unknown. Passed back through {@link UtxoRules}' `deleteHints`/`addHints`.
   */
  readonly lastEntry?: number;
  readonly lastFreeSlot?: number;
}

/** Encodes an output's value and coinbase flag as the UTXO store's value id. */
export function valueId(value: number, coinbase: boolean): number {
  return value * 2 + (coinbase ? 1 : 0);
}

/** Writes the UTXO store's key for (txid at `txid[from..from+32)`, `vout`) at `out[at]`: txid ‖ vout u32 BE. */
export function outpointKey(
  out: Uint8Array,
  at: number,
  txid: Uint8Array,
  from: number,
  vout: number,
): void {
  for (let i = 0; i < 32; i++) out[at + i] = txid[from + i]!;
  out[at + 32] = vout >>> 24;
  out[at + 33] = (vout >>> 16) & 255;
  out[at + 34] = (vout >>> 8) & 255;
  out[at + 35] = vout & 255;
}

function inRange(v: number): boolean {
  return v >= 0 && v <= MAX_MONEY;
}

/** Checks blocks in height order against the UTXO set. */
export class UtxoRules {
  /** After a successful {@link connect}: 36-byte outpoints the block creates and leaves unspent. */
  adds: Uint8Array = new Uint8Array(36 * 256);
  /** Their value ids. */
  addValues: Float64Array = new Float64Array(256);
  /** Number of adds. */
  addCount = 0;
  /** 36-byte outpoints of earlier blocks the block spends. */
  deletes: Uint8Array = new Uint8Array(36 * 256);
  /** Number of deletes. */
  deleteCount = 0;
  /** Per delete: the view's `lastEntry` and `lastFreeSlot` when its get found it (else −1). */
  deleteHints: Int32Array = new Int32Array(2 * 256);
  /** Per add: the view's `lastFreeSlot` from the BIP30 check (else −1). */
  addHints: Int32Array = new Int32Array(256);
  /** Total fees of the last block connected. */
  fees = 0;
  /** The last block connected may overwrite unspent outputs (BIP30's two mainnet exceptions). */
  overwrites = false;
  private readonly txids = new TxidTable();
  private readonly key = new Uint8Array(36);
  private readonly spentBefore = new OutpointTable();
  private spentHere = new Uint8Array(256);
  private inValue = new Float64Array(256);
  private inHeight = new Float64Array(256);
  /** Per output of the block: the view's `lastFreeSlot` from the BIP30 check (else −1). */
  private outHints = new Int32Array(256);

  /**
   * @param network the chain's rules
   * @param bip34Matched whether the block at the BIP34 height was the one
   *   Bitcoin Core names (from then on BIP30 needs no check); part of the
   *   state a checkpoint records
   */
  constructor(readonly network: NetworkParams, public bip34Matched = false) {}

  /**
   * Checks the block at `height` (parsed in `L`, txids in `txids`, hash in
   * internal order) against `view`; null when valid (then `adds` and
   * `deletes` hold its effect), else the first failure.
   */
  connect(
    L: BlockLayout,
    txids: Uint8Array,
    height: number,
    hash: Uint8Array,
    view: UtxoView,
  ): CheckFailure | null {
    if (height === 0) {
      // Bitcoin Core never connects the genesis block: its coinbase is not in the UTXO set.
      this.addCount = this.deleteCount = this.fees = 0;
      this.overwrites = false;
      return null;
    }
    const hashHex = hashToHex(hash);
    if (height === this.network.bip34Height) {
      this.bip34Matched = BIP34_HASH[this.network.name] === hashHex;
    }
    this.addCount = 0;
    this.deleteCount = 0;
    this.fees = 0;
    this.overwrites = isBip30Repeat(this.network.name, height, hashHex);
    let enforce30 = !this.overwrites;
    if (height > this.network.bip34Height && this.bip34Matched) enforce30 = false;
    this.outHints = grow(this.outHints, L.outputCount);
    this.outHints.fill(-1, 0, L.outputCount);
    if (enforce30 || height >= BIP34_IMPLIES_BIP30_LIMIT) {
      const key = this.key, hints = this.outHints;
      for (let t = 0; t < L.txCount; t++) {
        const base = L.txFirstOutput[t]!;
        for (let o = 0; o < L.txFirstOutput[t + 1]! - base; o++) {
          outpointKey(key, 0, txids, 32 * t, o);
          const found = view.get(key, 0);
          hints[base + o] = view.lastFreeSlot ?? -1;
          if (found >= 0) {
            return fail(
              "bad-txns-BIP30",
              `transaction ${t} (${hashToHex(key.subarray(0, 32))}) overwrites an unspent output`,
            );
          }
        }
      }
    }
    this.txids.reset(L.txCount, txids);
    this.spentBefore.reset(L.inputCount);
    this.spentHere = grow(this.spentHere, L.outputCount);
    this.spentHere.fill(0, 0, L.outputCount);
    this.inValue = grow(this.inValue, L.inputCount);
    this.inHeight = grow(this.inHeight, L.inputCount);
    this.deletes = grow(this.deletes, 36 * L.inputCount);
    this.deleteHints = grow(this.deleteHints, 2 * L.inputCount);
    for (let t = 0; t < L.txCount; t++) {
      if (t > 0) {
        const f = this.connectInputs(L, t, height, view);
        if (f) return f;
      }
      this.txids.insert(t);
    }
    let cbOut = 0;
    for (let o = L.txFirstOutput[0]!; o < L.txFirstOutput[1]!; o++) cbOut += L.outputValue(o);
    const allowed = blockSubsidy(height, this.network.halvingInterval) + this.fees;
    if (cbOut > allowed) {
      return fail("bad-cb-amount", `coinbase pays ${cbOut} sat, limit ${allowed} (subsidy + fees)`);
    }
    this.collectAdds(L, txids);
    return null;
  }

  /** Resolves, then checks, the inputs of transaction `t`. */
  private connectInputs(L: BlockLayout, t: number, height: number, view: UtxoView) {
    const b = L.bytes;
    const first = L.txFirstInput[t]!, end = L.txFirstInput[t + 1]!;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = first; i < end; i++) {
      const p = L.inPrevout[i]!;
      const vout = dv.getUint32(p + 32, true);
      const j = this.txids.find(b, p);
      let id = -1, h = height;
      if (j >= 0) {
        const o = L.txFirstOutput[j]! + vout;
        if (vout < L.txFirstOutput[j + 1]! - L.txFirstOutput[j]! && !this.spentHere[o]) {
          const script = L.outScript[o]!, len = L.outScriptLen[o]!;
          if (len <= MAX_SCRIPT_SIZE && !(len > 0 && b[script] === 0x6a)) {
            this.spentHere[o] = 1;
            id = valueId(L.outputValue(o), j === 0);
          }
        }
      } else if (!this.spentBefore.has(b, p)) {
        outpointKey(this.key, 0, b, p, vout);
        id = view.get(this.key, 0);
        h = view.foundHeight;
        if (id >= 0) {
          this.spentBefore.insert(b, p);
          this.deleteHints[2 * this.deleteCount] = view.lastEntry ?? -1;
          this.deleteHints[2 * this.deleteCount + 1] = view.lastFreeSlot ?? -1;
          this.deletes.set(this.key, 36 * this.deleteCount++);
        }
      }
      if (id < 0) {
        return fail(
          "bad-txns-inputs-missingorspent",
          `transaction ${t} input ${i - first} spends ${
            hashToHex(b.subarray(p, p + 32))
          }:${vout}, which does not exist or is already spent`,
        );
      }
      this.inValue[i] = Math.floor(id / 2);
      this.inHeight[i] = id % 2 === 1 ? h : -1;
    }
    let valueIn = 0;
    for (let i = first; i < end; i++) {
      const coinbaseHeight = this.inHeight[i]!;
      if (coinbaseHeight >= 0 && height - coinbaseHeight < COINBASE_MATURITY) {
        return fail(
          "bad-txns-premature-spend-of-coinbase",
          `transaction ${t} input ${i - first} spends a coinbase of height ${coinbaseHeight} ` +
            `after ${height - coinbaseHeight} confirmations (${COINBASE_MATURITY} needed)`,
        );
      }
      valueIn += this.inValue[i]!;
      if (!inRange(this.inValue[i]!) || !inRange(valueIn)) {
        return fail(
          "bad-txns-inputvalues-outofrange",
          `transaction ${t}: input values out of range`,
        );
      }
    }
    let valueOut = 0;
    for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
      valueOut += L.outputValue(o);
    }
    if (valueIn < valueOut) {
      return fail(
        "bad-txns-in-belowout",
        `transaction ${t}: inputs ${valueIn} sat < outputs ${valueOut} sat`,
      );
    }
    this.fees += valueIn - valueOut;
    if (!inRange(this.fees)) return fail("bad-txns-fee-outofrange", "total fees out of range");
    return null;
  }

  /** The block's outputs that stay unspent and can ever be spent. */
  private collectAdds(L: BlockLayout, txids: Uint8Array): void {
    const b = L.bytes;
    this.adds = grow(this.adds, 36 * L.outputCount);
    this.addValues = grow(this.addValues, L.outputCount);
    this.addHints = grow(this.addHints, L.outputCount);
    let n = 0;
    for (let t = 0; t < L.txCount; t++) {
      const base = L.txFirstOutput[t]!;
      for (let o = base; o < L.txFirstOutput[t + 1]!; o++) {
        const len = L.outScriptLen[o]!;
        if (
          this.spentHere[o] || len > MAX_SCRIPT_SIZE || (len > 0 && b[L.outScript[o]!] === 0x6a)
        ) {
          continue;
        }
        outpointKey(this.adds, 36 * n, txids, 32 * t, o - base);
        this.addHints[n] = this.outHints[o]!;
        this.addValues[n++] = valueId(L.outputValue(o), t === 0);
      }
    }
    this.addCount = n;
  }
}
