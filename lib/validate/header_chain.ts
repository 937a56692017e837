/**
 * The sequential header checks (Bitcoin Core's ContextualCheckBlockHeader
 * and GetNextWorkRequired): link to the previous block, nBits as the
 * network's retarget rules require (mainnet 2016-block retarget with the
 * 4× clamp; testnet3/testnet4 20-minute minimum-difficulty rule and its
 * walk-back; testnet4 BIP94 first-block nBits and time-warp fix; regtest
 * no retarget), timestamp above the median of the previous 11, and not
 * more than two hours in the future.
 *
 * Keeps the last 2,048 headers' time, nBits and hash in typed arrays.
 *
 * @module
 */

import { bytesEqual, hashToHex } from "../bytes/hex.ts";
import { type NetworkParams, RETARGET_INTERVAL } from "../bitcoin/network.ts";
import { calculateNextWorkRequired } from "../bitcoin/retarget.ts";
import { type CheckFailure, fail } from "./reject.ts";
import { HEADER_OFFSETS, HEADER_SIZE, headerPrevHash } from "../bitcoin/header.ts";

const RING = 2048;
const MTP_SPAN = 11;
/** BIP94: a retarget block may be at most this much older than its parent. */
export const MAX_TIMEWARP = 600;
/** Blocks more than this far in the future are rejected (Core's MAX_FUTURE_BLOCK_TIME). */
export const MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60;

/** Serializable window of recent headers. */
export interface HeaderChainState {
  /** Height of the last accepted header, -1 when empty. */
  tip: number;
  /** Oldest height held. */
  low: number;
  /** [time, bits, hash hex] per height from `low` to `tip`. */
  headers: Array<[number, number, string]>;
}

/** Sequential header validation state. */
export class HeaderChain {
  private readonly times = new Uint32Array(RING);
  private readonly bits = new Uint32Array(RING);
  private readonly hashes = new Uint8Array(32 * RING);
  /** Each height's snapshot entry, made once when accepted (a snapshot at every resume point). */
  private readonly entries: Array<[number, number, string]> = new Array(RING);
  private tip = -1;
  private low = 0;

  constructor(
    readonly network: NetworkParams,
    readonly now: () => number = () => Date.now() / 1000,
  ) {}

  /** Height of the last accepted header (-1 before any). */
  get tipHeight(): number {
    return this.tip;
  }

  private has(h: number): boolean {
    return h >= this.low && h <= this.tip && h >= 0;
  }

  /** Median time of the 11 blocks ending at height `h` (fewer near the start). */
  medianTimePast(h: number): number {
    const ts: number[] = [];
    for (let k = h; k > h - MTP_SPAN && this.has(k); k--) ts.push(this.times[k % RING]!);
    ts.sort((a, b) => a - b);
    return ts[ts.length >> 1]!;
  }

  /**
   * nBits required for a block at `height` with timestamp `time`, or
   * undefined when the window does not reach back far enough to know.
   */
  requiredBits(height: number, time: number): number | undefined {
    const p = this.network;
    const last = height - 1;
    if (!this.has(last)) return undefined;
    const lastBits = this.bits[last % RING]!;
    if (height % RETARGET_INTERVAL !== 0) {
      if (!p.allowMinDifficultyBlocks) return lastBits;
      if (time > this.times[last % RING]! + 2 * p.targetSpacing) return p.powLimitBits;
      // Walk back to the last block that was not a special min-difficulty one.
      let k = last;
      while (k > 0 && k % RETARGET_INTERVAL !== 0 && this.bits[k % RING] === p.powLimitBits) {
        k--;
        if (!this.has(k)) return undefined;
      }
      return this.bits[k % RING]!;
    }
    const first = height - RETARGET_INTERVAL;
    if (!p.noRetargeting && !this.has(first)) return undefined;
    const f = first % RING;
    return calculateNextWorkRequired(
      p,
      lastBits,
      this.times[last % RING]!,
      this.bits[f]!,
      this.times[f]!,
    );
  }

  /** Checks the 80-byte header at `height`; null when it may follow the current tip. */
  check(header: Uint8Array, height: number): CheckFailure | null {
    const view = new DataView(header.buffer, header.byteOffset, HEADER_SIZE);
    const time = view.getUint32(HEADER_OFFSETS.time, true);
    const bits = view.getUint32(HEADER_OFFSETS.bits, true);
    if (height === 0) return null;
    const last = height - 1;
    if (this.has(last)) {
      const prev = headerPrevHash(header);
      const expected = this.hashes.subarray(32 * (last % RING), 32 * (last % RING) + 32);
      if (!bytesEqual(prev, expected)) {
        return fail(
          "bad-prevblk",
          `previous block ${hashToHex(prev)} is not ${hashToHex(expected)}`,
        );
      }
      const required = this.requiredBits(height, time);
      if (required !== undefined && required !== bits) {
        return fail(
          "bad-diffbits",
          `nBits ${bits.toString(16)}, required ${required.toString(16)}`,
        );
      }
      const mtp = this.medianTimePast(last);
      if (time <= mtp) {
        return fail("time-too-old", `time ${time} is not after median time past ${mtp}`);
      }
      if (
        this.network.enforceBIP94 && height % RETARGET_INTERVAL === 0 &&
        time < this.times[last % RING]! - MAX_TIMEWARP
      ) {
        return fail(
          "time-timewarp-attack",
          `time ${time} more than ${MAX_TIMEWARP}s before its parent`,
        );
      }
    }
    if (time > this.now() + MAX_FUTURE_BLOCK_TIME) {
      return fail("time-too-new", `time ${time} is more than 2 hours in the future`);
    }
    return null;
  }

  /** Records the header at `height` (must be tip + 1, or any height to start a window). */
  accept(header: Uint8Array, hash: Uint8Array, height: number): void {
    if (this.tip >= 0 && height !== this.tip + 1) {
      throw new RangeError(`Header chain expects height ${this.tip + 1}, got ${height}`);
    }
    if (this.tip < 0) this.low = height;
    const view = new DataView(header.buffer, header.byteOffset, HEADER_SIZE);
    const slot = height % RING;
    this.times[slot] = view.getUint32(HEADER_OFFSETS.time, true);
    this.bits[slot] = view.getUint32(HEADER_OFFSETS.bits, true);
    this.hashes.set(hash, 32 * slot);
    this.entries[slot] = [this.times[slot]!, this.bits[slot]!, hashToHex(hash)];
    this.tip = height;
    this.low = Math.max(this.low, height - RING + 1);
  }

  /** The window as plain data (for resume files; its entries are shared: do not modify them). */
  snapshot(): HeaderChainState {
    const headers: HeaderChainState["headers"] = [];
    for (let h = this.low; h <= this.tip; h++) headers.push(this.entries[h % RING]!);
    return { tip: this.tip, low: this.low, headers };
  }

  /** Restores a {@link snapshot}. */
  restore(state: HeaderChainState): void {
    this.tip = state.tip;
    this.low = state.low;
    state.headers.forEach(([time, bits, hex], i) => {
      const s = (state.low + i) % RING;
      this.times[s] = time;
      this.bits[s] = bits;
      this.entries[s] = [time, bits, hex];
      for (let k = 0; k < 32; k++) {
        this.hashes[32 * s + 31 - k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
      }
    });
  }
}
