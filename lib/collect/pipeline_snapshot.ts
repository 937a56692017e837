/**
 * collect's pipeline snapshot: what a later run needs to continue exactly
 * where a resume point was taken. The archive stores it as opaque data in
 * its resume record.
 *
 * @module
 */

import type { ChainOrdererState } from "../chain/chain_types.ts";
import type { HeaderChainState } from "../validate/header_chain.ts";
import type { BlockRejection } from "../validate/reject.ts";

/** Snapshot of the pipeline taken when a resume-point frame was closed. */
export interface PipelineSnapshot {
  /** Next height to archive. */
  nextHeight: number;
  /** Last archived block hash (display hex), or null. */
  tipHash: string | null;
  /** Reader position after the last record the orderer consumed. */
  reader: { file: number; offset: number } | null;
  /** Chain orderer state. */
  orderer: ChainOrdererState;
  /** Header window of the validator. */
  headers: HeaderChainState;
  /** First rejected block (its descendants are rejected too), or null. */
  rejected: BlockRejection | null;
}

/** True when `p` looks like a snapshot collect wrote (a resume record's `pipeline`). */
export function isPipelineSnapshot(p: unknown): p is PipelineSnapshot {
  const s = p as PipelineSnapshot | null;
  return typeof s === "object" && s !== null && typeof s.nextHeight === "number" &&
    typeof s.orderer === "object" && typeof s.headers === "object";
}
