/**
 * The chain orderer's vocabulary: what goes in, what comes out, what it
 * reports, its options and its serializable state.
 *
 * @module
 */

import type { NetworkParams } from "../bitcoin/network.ts";

/** A block record as the orderer receives it. */
export interface PositionedBlock {
  /** blk file number (-1 for the built-in genesis block). */
  file: number;
  /** Record offset in the file. */
  offset: number;
  /** Block bytes. */
  bytes: Uint8Array;
}

/** A best-chain block in height order. */
export interface OrderedBlock extends PositionedBlock {
  /** Height on the best chain. */
  height: number;
  /** Block hash, internal byte order. */
  hash: Uint8Array;
}

/** Something the orderer did not emit. */
export interface ChainReport {
  /** `stale`: on a losing branch; `orphan`: parent never seen; `duplicate`: seen before. */
  kind: "stale" | "orphan" | "duplicate";
  /** Block hash, display hex. */
  hash: string;
  /** Height when known. */
  height: number | null;
  /** blk file number. */
  file: number;
  /** Record offset. */
  offset: number;
}

/** A reorganisation reaching below an already emitted height. */
export class ReorgTooDeepError extends Error {
  /** Depth that would have allowed it. */
  readonly neededDepth: number;
  constructor(detail: string, neededDepth: number) {
    super(`${detail}; rerun with --depth ${neededDepth} (or larger)`);
    this.name = "ReorgTooDeepError";
    this.neededDepth = neededDepth;
  }
}

/** Options of `ChainOrderer`. */
export interface ChainOrdererOptions {
  /** The network (its genesis roots the chain). */
  network: NetworkParams;
  /** Emit a height once buried this deep (default 6). */
  depth?: number;
  /** Main-chain headers kept below the emitted height to classify late forks (default 288). */
  keep?: number;
  /** Reads a block back by position. */
  fetch: (file: number, offset: number) => Uint8Array;
  /** Bytes of not-yet-emitted blocks kept in memory (default 64 MiB). */
  cacheBytes?: number;
  /** Receives stale, orphan and duplicate reports. */
  onReport?: (r: ChainReport) => void;
}

/** Serializable orderer state (see `ChainOrderer.snapshot`). */
export interface ChainOrdererState {
  /** Where to resume reading: just after the last record added. */
  next: { file: number; offset: number } | null;
  emittedHeight: number;
  emittedKey: string | null;
  /** Most-work tip (kept so that ties resolve as before the snapshot). */
  bestKey?: string;
  nodes: Array<[string, string, number, string, number, number, boolean]>;
  orphans: Array<[string, string, number, number, number]>;
}
