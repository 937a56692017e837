/**
 * `state/resume.json`: everything a later run needs to continue exactly
 * where the last durable frame ended — the open chunk's frames, the lengths
 * of the index and rejects files that are durable, the reader position, the
 * chain orderer and header-window snapshots. Written atomically only after
 * the data it describes has been fsynced.
 *
 * @module
 */

import type { ChainOrdererState } from "../chain/chain_orderer.ts";
import type { HeaderChainState } from "../validate/header_chain.ts";
import type { BlockRejection } from "../validate/reject.ts";
import type { ArchiveManifest } from "./manifest.ts";
import type { SeekEntry } from "./seek_table.ts";

/** Resume-state format name. */
export const RESUME_FORMAT = "blkpipe-resume";

/** The chunk being written. */
export interface OpenChunkState {
  /** Chunk id. */
  id: number;
  /** Frames durable so far. */
  frames: SeekEntry[];
  /** Durable compressed bytes (the file is truncated to this on resume). */
  bytes: number;
  /** First height in the chunk. */
  firstHeight: number;
  /** Blocks in the durable frames. */
  blocks: number;
  /** Uncompressed bytes of the durable frames. */
  rawBytes: number;
  /** Where the file lives: the archive or the stage directory. */
  location: "out" | "stage";
}

/** Snapshot of the pipeline taken when a checkpoint frame was closed. */
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

/** The resume file. */
export interface ResumeState {
  format: typeof RESUME_FORMAT;
  version: 1;
  /** Manifest as of this checkpoint (sealed chunks and tip). */
  manifest: ArchiveManifest;
  /** The chunk being appended to, or null. */
  open: OpenChunkState | null;
  /** Durable records in index/heights.idx. */
  indexRecords: number;
  /** Durable bytes of rejects.jsonl. */
  rejectsBytes: number;
  /** The pipeline snapshot; null for archives written by the stream API (not resumable by collect). */
  pipeline: PipelineSnapshot | null;
}
