/**
 * Rejection codes (Bitcoin Core's reject reasons where one exists) and the
 * record of a rejected block.
 *
 * @module
 */

/** Machine-readable reasons a block is rejected. */
export type RejectCode =
  // framing / parse
  | "bad-blk-parse"
  // size and weight
  | "bad-blk-length"
  | "bad-blk-weight"
  // header
  | "high-hash"
  | "bad-diffbits"
  | "bad-prevblk"
  | "time-too-old"
  | "time-too-new"
  | "time-timewarp-attack"
  | "bad-version"
  // merkle and witness
  | "bad-txnmrklroot"
  | "bad-txns-duplicate"
  | "bad-witness-nonce-size"
  | "bad-witness-merkle-match"
  | "unexpected-witness"
  // coinbase
  | "bad-cb-missing"
  | "bad-cb-multiple"
  | "bad-cb-length"
  | "bad-cb-height"
  // transactions
  | "bad-txns-vout-empty"
  | "bad-txns-oversize"
  | "bad-txns-vout-negative"
  | "bad-txns-vout-toolarge"
  | "bad-txns-txouttotal-toolarge"
  | "bad-txns-inputs-duplicate"
  | "bad-txns-prevout-null"
  | "bad-blk-sigops"
  // chain-wide (UTXO) rules
  | "bad-txns-inputs-missingorspent"
  | "bad-txns-premature-spend-of-coinbase"
  | "bad-txns-inputvalues-outofrange"
  | "bad-txns-in-belowout"
  | "bad-txns-fee-outofrange"
  | "bad-cb-amount"
  | "bad-txns-BIP30"
  // descendants of a rejected block
  | "invalid-ancestor";

/** A block that was not passed on, and why. */
export interface BlockRejection {
  /** Reason code. */
  code: RejectCode;
  /** Human-readable detail. */
  detail: string;
  /** Block hash, display hex. */
  hash: string;
  /** Height on the ordered chain. */
  height: number;
  /** Source blk file number (-1: built-in genesis). */
  file: number;
  /** Source record offset. */
  offset: number;
}

/** A failed check: code and detail. */
export interface CheckFailure {
  /** Reason code. */
  code: RejectCode;
  /** Human-readable detail. */
  detail: string;
}

/** Shorthand constructor for a {@link CheckFailure}. */
export function fail(code: RejectCode, detail: string): CheckFailure {
  return { code, detail };
}
