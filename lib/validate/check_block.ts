/**
 * Per-block consensus checks that need only the block and its height
 * (Bitcoin Core's CheckBlock, CheckTransaction and the height-dependent
 * parts of ContextualCheckBlock): parse, proof of work, merkle root and
 * CVE-2012-2459 mutation, size and weight, coinbase rules, output values,
 * duplicate inputs and txids, legacy sigops, witness commitment, BIP34
 * height, version floors. Scripts are not executed.
 *
 * This is the part that can run in parallel (see `validate_pool.ts`).
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import { bytesEqual, hashToHex } from "../bytes/hex.ts";
import { BlockLayout, TX_SEGWIT } from "../bitcoin/block_layout.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import { HEADER_OFFSETS, HEADER_SIZE, headerMerkleRoot } from "../bitcoin/header.ts";
import { merkleRoot } from "../bitcoin/merkle.ts";
import { checkProofOfWork } from "../bitcoin/pow.ts";
import { pushNumber } from "../bitcoin/script_push.ts";
import { computeTxids, computeTxidsAndWtxids } from "../bitcoin/txid.ts";
import {
  checkWitnessCommitment,
  hasWitness,
  type WitnessCheck,
} from "../bitcoin/witness_commitment.ts";
import { DuplicateKeyFinder } from "./duplicate_keys.ts";
import { type CheckFailure, fail } from "./reject.ts";
import { legacySigOps } from "./sigops.ts";

/**
 * How much to check: parse only, headers, every per-block rule (default),
 * or those and the chain-wide UTXO rules (`utxo`: the checker itself treats
 * it as `full`; collect adds the chain index).
 */
export type CheckLevel = "framing" | "headers" | "full" | "utxo";

const LEVEL_RANK: Record<CheckLevel, number> = { framing: 0, headers: 1, full: 2, utxo: 2 };

/**
 * What {@link BlockChecker.precheck} found, for {@link BlockChecker.conclude}: a small plain
 * object (it crosses from a worker by structured clone).
 */
export interface BlockPrecheck {
  /** Level it was computed at. */
  level: CheckLevel;
  /** The block does not parse. */
  parse: CheckFailure | null;
  /** First failure of the transaction rules before the witness step (full only). */
  tx: CheckFailure | null;
  /** `checkWitnessCommitment`'s verdict ("ok", "no-witness-data" or a reject code). */
  witness: WitnessCheck;
  /** Some transaction carries witness data. */
  witnessData: boolean;
  /** Offset and length of the coinbase's script (BIP34). */
  coinbaseScript: number;
  /** Length of the coinbase's script. */
  coinbaseScriptLen: number;
  /** Two transactions spend the same outpoint (reported after every other rule). */
  crossSpend: CheckFailure | null;
  /** The txids (32 bytes each, internal order), when the level computed them. */
  txids?: Uint8Array;
}

/** Consensus limits (BIP141). */
export const MAX_BLOCK_WEIGHT = 4_000_000;
/** Witness scale factor (BIP141). */
export const WITNESS_SCALE_FACTOR = 4;
/** Sigop cost limit per block (BIP141). */
export const MAX_BLOCK_SIGOPS_COST = 80_000;
/** 21 million BTC in satoshis. */
export const MAX_MONEY = 21_000_000 * 100_000_000;

/** Scratch space reused from block to block (one per thread). */
export class BlockChecker {
  /** The walk of the last checked block. */
  readonly layout: BlockLayout = new BlockLayout();
  private readonly dups = new DuplicateKeyFinder();
  private offsets = new Uint32Array(1024);

  constructor(readonly network: NetworkParams) {}

  /**
   * Checks `bytes` (hash `hash`, at `height`) at `level`; returns the first
   * failure or null. The same as {@link BlockChecker.conclude} of
   * {@link BlockChecker.precheck}.
   */
  check(
    bytes: Uint8Array,
    hash: Uint8Array,
    height: number,
    level: CheckLevel = "full",
  ): CheckFailure | null {
    return this.conclude(this.precheck(bytes, level), bytes, hash, height, level);
  }

  /**
   * The costly part of the checks, which needs neither the block's hash nor its height (so it
   * can run on a worker before the chain is ordered): parse, txids and merkle root, the
   * per-transaction rules, duplicates, weight, sigops, the witness commitment.
   */
  precheck(bytes: Uint8Array, level: CheckLevel = "full"): BlockPrecheck {
    const L = this.layout;
    const pre: BlockPrecheck = {
      level,
      parse: null,
      tx: null,
      witness: "ok",
      witnessData: false,
      coinbaseScript: 0,
      coinbaseScriptLen: 0,
      crossSpend: null,
    };
    try {
      L.parse(bytes);
    } catch (e) {
      if (e instanceof CorruptDataError) pre.parse = fail("bad-blk-parse", e.message);
      else throw e;
      return pre;
    }
    if (level === "framing" || level === "headers") return pre;
    // With witness data the wtxids are needed too: hashed in the same batch as the txids.
    const witnessData = hasWitness(L);
    const both = witnessData ? computeTxidsAndWtxids(L) : null;
    const txids = both ? both.txids : computeTxids(L);
    pre.txids = txids;
    pre.tx = this.checkTransactions(bytes, txids, pre);
    if (pre.tx) return pre;
    pre.witnessData = witnessData;
    pre.witness = checkWitnessCommitment(L, txids, both?.wtxids);
    pre.coinbaseScript = L.inScript[0]!;
    pre.coinbaseScriptLen = L.inScriptLen[0]!;
    return pre;
  }

  /** Finishes the checks of `pre` (from {@link BlockChecker.precheck} of `bytes`) at `height`. */
  conclude(
    pre: BlockPrecheck,
    bytes: Uint8Array,
    hash: Uint8Array,
    height: number,
    level: CheckLevel = "full",
  ): CheckFailure | null {
    if (pre.parse) return pre.parse;
    if (level === "framing") return null;
    if (LEVEL_RANK[pre.level] < LEVEL_RANK[level]) {
      throw new RangeError(`a precheck at level ${pre.level} cannot conclude level ${level}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
    const bits = view.getUint32(HEADER_OFFSETS.bits, true);
    const pow = checkProofOfWork(hash, bits, this.network.powLimit);
    if (pow) return fail("high-hash", `proof of work failed: ${pow} (nBits ${bits.toString(16)})`);
    const version = view.getInt32(HEADER_OFFSETS.version, true);
    const n = this.network;
    if (
      (version < 2 && height >= n.bip34Height) || (version < 3 && height >= n.bip66Height) ||
      (version < 4 && height >= n.bip65Height)
    ) {
      return fail(
        "bad-version",
        `version 0x${(version >>> 0).toString(16)} is obsolete at height ${height}`,
      );
    }
    if (level === "headers") return null;
    if (pre.tx) return pre.tx;
    if (height >= n.segwitHeight) {
      if (pre.witness !== "ok" && pre.witness !== "no-witness-data") {
        return fail(pre.witness, `witness commitment check failed: ${pre.witness}`);
      }
    } else if (pre.witnessData) {
      return fail("unexpected-witness", "witness data before SegWit activation");
    }
    if (height >= n.bip34Height) {
      const expect = pushNumber(height);
      const s = pre.coinbaseScript;
      if (
        pre.coinbaseScriptLen < expect.length ||
        !bytesEqual(bytes.subarray(s, s + expect.length), expect)
      ) {
        return fail("bad-cb-height", `coinbase does not start with height ${height}`);
      }
    }
    return pre.crossSpend;
  }

  /** The transaction rules up to the witness step; a cross-transaction double spend goes to `pre`. */
  private checkTransactions(
    bytes: Uint8Array,
    txids: Uint8Array,
    pre: BlockPrecheck,
  ): CheckFailure | null {
    const L = this.layout;
    const { root, mutated } = merkleRoot(txids, L.txCount);
    if (!bytesEqual(root, headerMerkleRoot(bytes))) {
      return fail("bad-txnmrklroot", `merkle root ${hashToHex(root)} does not match the header`);
    }
    if (mutated) {
      return fail(
        "bad-txns-duplicate",
        "duplicate transaction (CVE-2012-2459 mutated merkle tree)",
      );
    }
    if (
      L.txCount * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT ||
      L.strippedSize() * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT
    ) {
      return fail(
        "bad-blk-length",
        `size limits failed: ${L.strippedSize()} bytes without witness`,
      );
    }
    if (!this.isCoinbase(0)) return fail("bad-cb-missing", "first transaction is not a coinbase");
    let sigops = 0;
    for (let t = 0; t < L.txCount; t++) {
      const r = this.checkTransaction(t);
      if (r) return r;
      for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
        sigops += legacySigOps(bytes, L.inScript[i]!, L.inScriptLen[i]!);
      }
      for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
        sigops += legacySigOps(bytes, L.outScript[o]!, L.outScriptLen[o]!);
      }
    }
    if (sigops * WITNESS_SCALE_FACTOR > MAX_BLOCK_SIGOPS_COST) {
      return fail("bad-blk-sigops", `${sigops} legacy sigops (limit ${MAX_BLOCK_SIGOPS_COST / 4})`);
    }
    // The same outpoint spent twice: within one transaction CheckTransaction's
    // bad-txns-inputs-duplicate; across two, what ConnectBlock reports
    // (bad-txns-inputs-missingorspent), after every other block rule.
    const nIn = L.inputCount - 1;
    if (this.offsets.length < Math.max(nIn, L.txCount)) {
      this.offsets = new Uint32Array(Math.max(nIn, L.txCount) * 2);
    }
    this.offsets.set(L.inPrevout.subarray(1, L.inputCount));
    const dup = this.dups.findDuplicate(bytes, this.offsets, nIn, 36);
    if (dup) {
      for (let t = 1; t < L.txCount; t++) {
        const first = L.txFirstInput[t]!, n = L.txFirstInput[t + 1]! - first;
        if (n > 1 && this.dups.findDuplicate(bytes, L.inPrevout.subarray(first), n, 36)) {
          return fail(
            "bad-txns-inputs-duplicate",
            `transaction ${t} spends the same outpoint twice`,
          );
        }
      }
      const [a, b] = [this.txOfInput(dup[0] + 1), this.txOfInput(dup[1] + 1)];
      pre.crossSpend = fail(
        "bad-txns-inputs-missingorspent",
        `transactions ${a} and ${b} spend the same outpoint`,
      );
    }
    for (let t = 0; t < L.txCount; t++) this.offsets[t] = 32 * t;
    const dupTx = this.dups.findDuplicate(txids, this.offsets, L.txCount, 32);
    if (dupTx) {
      return fail(
        "bad-txns-duplicate",
        `transactions ${dupTx[0]} and ${dupTx[1]} have the same txid`,
      );
    }
    if (L.weight() > MAX_BLOCK_WEIGHT) {
      return fail("bad-blk-weight", `weight ${L.weight()} exceeds ${MAX_BLOCK_WEIGHT}`);
    }
    return null;
  }

  private isCoinbase(t: number): boolean {
    const L = this.layout;
    if (L.txFirstInput[t + 1]! - L.txFirstInput[t]! !== 1) return false;
    const p = L.inPrevout[L.txFirstInput[t]!]!;
    const b = L.bytes;
    for (let k = 0; k < 32; k++) if (b[p + k] !== 0) return false;
    return b[p + 32] === 0xff && b[p + 33] === 0xff && b[p + 34] === 0xff && b[p + 35] === 0xff;
  }

  private txOfInput(i: number): number {
    const L = this.layout;
    let lo = 0, hi = L.txCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (L.txFirstInput[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Bitcoin Core's CheckTransaction plus the coinbase rules of CheckBlock. */
  private checkTransaction(t: number): CheckFailure | null {
    const L = this.layout;
    const o0 = L.txFirstOutput[t]!, o1 = L.txFirstOutput[t + 1]!;
    if (o1 === o0) return fail("bad-txns-vout-empty", `transaction ${t} has no outputs`);
    const stripped = L.txFlags[t]! & TX_SEGWIT
      ? L.txEnd[t]! - L.txStart[t]! - 2 - (L.txEnd[t]! - 4 - L.txWitnessStart[t]!)
      : L.txEnd[t]! - L.txStart[t]!;
    if (stripped * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) {
      return fail("bad-txns-oversize", `transaction ${t} is ${stripped} bytes`);
    }
    let total = 0;
    for (let o = o0; o < o1; o++) {
      const v = L.outputValue(o);
      if (v < 0) {
        return fail("bad-txns-vout-negative", `transaction ${t} output ${o - o0} is negative`);
      }
      if (v > MAX_MONEY) {
        return fail("bad-txns-vout-toolarge", `transaction ${t} output ${o - o0} exceeds 21M BTC`);
      }
      total += v;
      if (total > MAX_MONEY) {
        return fail("bad-txns-txouttotal-toolarge", `transaction ${t} outputs exceed 21M BTC`);
      }
    }
    if (t === 0) {
      const len = L.inScriptLen[0]!;
      if (len < 2 || len > 100) {
        return fail("bad-cb-length", `coinbase script is ${len} bytes (2–100 allowed)`);
      }
      return null;
    }
    if (this.isCoinbase(t)) return fail("bad-cb-multiple", `transaction ${t} is a second coinbase`);
    const b = L.bytes;
    for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
      const p = L.inPrevout[i]!;
      let nul = b[p + 32] === 0xff && b[p + 33] === 0xff && b[p + 34] === 0xff &&
        b[p + 35] === 0xff;
      for (let k = 0; nul && k < 32; k++) if (b[p + k] !== 0) nul = false;
      if (nul) return fail("bad-txns-prevout-null", `transaction ${t} spends a null outpoint`);
    }
    return null;
  }
}
