/**
 * Lookups by outpoint: the output (read from the archive through the txid
 * index) and its spender (the spend index names the spending transaction;
 * its input is found by reading it, which also rules out prefix
 * collisions).
 *
 * @module
 */

import { hashToHex, toHex } from "../bytes/hex.ts";
import { txidOf } from "../bitcoin/txid.ts";
import { Segment } from "../segment/segment.ts";
import { CHAIN_INDEX_PATHS, SPEND_ENTRY, spenderOf, spendKey } from "./chain_index_format.ts";
import { type IndexOpenOptions, segmentOptions, TxidIndex } from "./txid_index.ts";

/** One output and what spent it (Esplora's outspend fields plus the output itself). */
export interface OutpointInfo {
  /** Creating transaction (display hex). */
  txid: string;
  vout: number;
  /** Satoshis. */
  value: number;
  /** scriptPubKey, hex. */
  scriptpubkey: string;
  /** Height of the creating block. */
  height: number;
  /** Created by a coinbase. */
  coinbase: boolean;
  spent: boolean;
  /** Spending transaction (display hex), input and block height; null when unspent. */
  spending_txid: string | null;
  spending_vin: number | null;
  spending_height: number | null;
}

/** An output as {@link OutpointIndex.output} finds it. */
export interface FoundOutput {
  /** Satoshis. */
  value: number;
  /** scriptPubKey (a view into the block). */
  script: Uint8Array;
  /** Height of the creating block. */
  height: number;
  coinbase: boolean;
}

/** The outpoint's transaction exists but has fewer outputs. */
export class VoutOutOfRangeError extends Error {
  constructor(txid: string, vout: number, outputs: number) {
    super(`transaction ${txid} has ${outputs} output(s): vout ${vout} does not exist`);
    this.name = "VoutOutOfRangeError";
  }
}

/** Outpoint lookups over an archive's index. Open with {@link OutpointIndex.open}. */
export class OutpointIndex {
  private readonly key = new Uint8Array(9);
  private constructor(readonly txids: TxidIndex, private readonly spends: Segment[]) {}

  /**
   * Opens the index of the archive at `archive` (NotFound with a hint when it was never built),
   * kept in the archive's directory or in `indexDir`.
   */
  static async open(archive: string, o: IndexOpenOptions = {}): Promise<OutpointIndex> {
    const txids = await TxidIndex.open(archive, o);
    const dir = o.indexDir ?? archive;
    try {
      const spends = await Promise.all(
        txids.slot.spend.map((n) =>
          Segment.open(`${dir}/${CHAIN_INDEX_PATHS.spend(n)}`, segmentOptions(o))
        ),
      );
      return new OutpointIndex(txids, spends);
    } catch (e) {
      txids.close();
      throw e;
    }
  }

  /**
   * The output `vout` of `txid` (internal byte order): value, script (a view
   * into its block), height, coinbase; null when the transaction is not in
   * the archive; throws {@link VoutOutOfRangeError} when it has no such output.
   */
  async output(txid: Uint8Array, vout: number): Promise<FoundOutput | null> {
    const tx = await this.txids.find(txid);
    if (!tx) return null;
    if (vout >= tx.outputs) throw new VoutOutOfRangeError(hashToHex(txid), vout, tx.outputs);
    const L = tx.layout;
    const o = L.txFirstOutput[tx.at.index]! + vout;
    return {
      value: L.outputValue(o),
      script: tx.block.subarray(L.outScript[o]!, L.outScript[o]! + L.outScriptLen[o]!),
      height: tx.at.height,
      coinbase: tx.at.index === 0,
    };
  }

  /** What spent output `vout` of `txid`: the spending transaction, input and height; null if unspent. */
  async spender(
    txid: Uint8Array,
    vout: number,
  ): Promise<{ txid: string; vin: number; height: number } | null> {
    spendKey(this.key, txid, 0, vout);
    for (const seg of this.spends) {
      const hit = seg.find(this.key);
      if (!hit) continue;
      for (let k = 0; k < hit.count; k++) {
        const n = spenderOf(hit.bytes, (hit.first + k) * SPEND_ENTRY.entryWidth);
        if (n >= this.txids.slot.nextTxnum) continue;
        const s = await this.txids.readTx(n);
        const S = s.layout;
        const t = s.at.index;
        const dv = new DataView(s.block.buffer, s.block.byteOffset, s.block.byteLength);
        for (let i = S.txFirstInput[t]!; i < S.txFirstInput[t + 1]!; i++) {
          const p = S.inPrevout[i]!;
          if (dv.getUint32(p + 32, true) !== vout) continue;
          if (!txid.every((b, j) => s.block[p + j] === b)) continue;
          return {
            txid: hashToHex(txidOf(S, t)),
            vin: i - S.txFirstInput[t]!,
            height: s.at.height,
          };
        }
      }
    }
    return null;
  }

  /**
   * The output `vout` of `txid` (internal byte order) and its spender; null
   * when the transaction is not in the archive; throws
   * {@link VoutOutOfRangeError} when it has no such output.
   */
  async find(txid: Uint8Array, vout: number): Promise<OutpointInfo | null> {
    const out = await this.output(txid, vout);
    if (!out) return null;
    const spent = await this.spender(txid, vout);
    return {
      txid: hashToHex(txid),
      vout,
      value: out.value,
      scriptpubkey: toHex(out.script),
      height: out.height,
      coinbase: out.coinbase,
      spent: spent !== null,
      spending_txid: spent?.txid ?? null,
      spending_vin: spent?.vin ?? null,
      spending_height: spent?.height ?? null,
    };
  }

  /** Releases files. */
  close(): void {
    for (const s of this.spends) s.close();
    this.txids.close();
  }
}
