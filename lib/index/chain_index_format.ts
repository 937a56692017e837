/**
 * The chain index's files inside an archive's `index/` directory
 * (docs/FORMATS.md):
 *
 * ```text
 * index/txnum.idx             first tx number per height (txid_index_format.ts)
 * index/txid-NNNNNN.seg       txid prefix → tx number (12-byte entries)
 * index/spend-NNNNNN.seg      spent outpoint → spending tx number (15-byte entries):
 *                             txid[0..6) ‖ vout u24 BE ‖ spending tx number u48 BE; key = 9 bytes
 * index/utxo/NNNNNNNN.seg     the UTXO set (the UTXO store's segments, 49-byte entries)
 * index/checkpoint-a.json     slot A: everything durable at one height (segment lists, counters,
 * index/checkpoint-b.json     slot B   the UTXO store's state, the rules' state)
 * index/checkpoint.json       {slot, height}: the last complete slot (replaced atomically)
 * ```
 *
 * A checkpoint writes its segments, then the older slot, then the pointer;
 * files named by neither slot are removed after that. Each slot's files are
 * immutable, so the other slot stays a complete fallback while one is
 * written.
 *
 * @module
 */

import type { UtxoStoreState } from "../segment/utxo_store.ts";
import type { BlockRejection } from "../validate/reject.ts";

/** Paths inside the archive. */
export const CHAIN_INDEX_PATHS = {
  dir: "index",
  utxoDir: "index/utxo",
  pointer: "index/checkpoint.json",
  slot: (s: SlotName) => `index/checkpoint-${s}.json`,
  txid: (n: number) => `index/txid-${String(n).padStart(6, "0")}.seg`,
  spend: (n: number) => `index/spend-${String(n).padStart(6, "0")}.seg`,
} as const;

/** Spend-index entry layout (the segment writer's options). */
export const SPEND_ENTRY = { entryWidth: 15, keyWidth: 9, sortWidth: 15 } as const;

/** A checkpoint slot's name. */
export type SlotName = "a" | "b";

/** One slot: the index as of `height`. */
export interface IndexSlot {
  format: "blkpipe-chain-index";
  version: 1;
  /** Last indexed height (the archive's start height − 1 when none). */
  height: number;
  /** Hash of that block (display hex; "" when none). */
  hash: string;
  /** Height of the first block (the archive's start). */
  startHeight: number;
  /** Tx number of the next transaction. */
  nextTxnum: number;
  /** txid segment numbers, oldest first. */
  txid: number[];
  /** Spend segment numbers, oldest first. */
  spend: number[];
  /** Next txid/spend segment number. */
  nextSegment: number;
  /** The UTXO store's durable state. */
  utxo: UtxoStoreState;
  /** Chain-wide rule state: the block at the BIP34 height was Bitcoin Core's. */
  bip34Matched: boolean;
  /** Transactions + inputs between checkpoints (part of what makes files reproducible). */
  checkpointEvery: number;
  /** The first block that broke a chain-wide rule (the index stops before it), or null. */
  rejected: BlockRejection | null;
  /**
   * Started from a UTXO snapshot based at this height: blocks up to it are
   * indexed without the chain-wide rules (assumeutxo's trust), later ones with.
   */
  assumedUtxoHeight?: number;
  /**
   * The snapshot's base block (display hex). Without {@link assumedUtxoHeight}
   * the block is not archived yet (`collect --utxo-snapshot` on blk files):
   * every block is indexed without the rules until it comes.
   */
  assumedUtxoHash?: string;
}

/** `index/checkpoint.json`. */
export interface SlotPointer {
  slot: SlotName;
  height: number;
}

/** Writes one spend entry at `out[at]`: prevout (txid at `b[p..p+32)`, `vout`) → `txnum`. */
export function encodeSpendEntry(
  out: Uint8Array,
  at: number,
  b: Uint8Array,
  p: number,
  vout: number,
  txnum: number,
): void {
  for (let i = 0; i < 6; i++) out[at + i] = b[p + i]!;
  out[at + 6] = (vout >>> 16) & 255;
  out[at + 7] = (vout >>> 8) & 255;
  out[at + 8] = vout & 255;
  let n = txnum;
  for (let i = 14; i >= 9; i--) {
    out[at + i] = n % 256;
    n = Math.floor(n / 256);
  }
}

/** The 9-byte spend key of (txid at `txid[from..]`, `vout`) into `out`. */
export function spendKey(out: Uint8Array, txid: Uint8Array, from: number, vout: number): void {
  for (let i = 0; i < 6; i++) out[i] = txid[from + i]!;
  out[6] = (vout >>> 16) & 255;
  out[7] = (vout >>> 8) & 255;
  out[8] = vout & 255;
}

/** The spending tx number of the spend entry at `b[at]`. */
export function spenderOf(b: Uint8Array, at: number): number {
  let n = 0;
  for (let i = 9; i < 15; i++) n = n * 256 + b[at + i]!;
  return n;
}
