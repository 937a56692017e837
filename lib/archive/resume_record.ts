/**
 * `state/resume.json`: the source of truth while runs come and go — the
 * manifest as of the last checkpoint, the open chunk's durable frames (their
 * count; the entries are in `state/open-frames.bin`), the durable lengths of
 * the index and rejects files, and the pipeline snapshot
 * of whoever writes the archive, stored as opaque data the archive format
 * does not interpret. Written atomically only after the data it describes
 * has been fsynced.
 *
 * @module
 */

import { ArchiveError, type ArchiveManifest } from "./manifest.ts";
import type { SeekEntry } from "./seek_table.ts";

/** Resume-record format name. */
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

/** The resume file. `pipeline` is the writer's own snapshot (collect's), or null. */
export interface ResumeState<P = unknown> {
  format: typeof RESUME_FORMAT;
  /** 2: the open chunk's frames are counted here, listed in `state/open-frames.bin` (1: listed here). */
  version: 1 | 2;
  /** Manifest as of this checkpoint (sealed chunks and tip). */
  manifest: ArchiveManifest;
  /** The chunk being appended to, or null. */
  open: OpenChunkState | null;
  /** Durable records in index/heights.idx. */
  indexRecords: number;
  /** Durable bytes of rejects.jsonl. */
  rejectsBytes: number;
  /**
   * Snapshot of the pipeline that produced the data up to here (opaque to the archive), or
   * null: then a writer that needs one re-reads its input from the start to extend the archive.
   */
  pipeline: P | null;
}

/** The resume file as stored: version 2 counts the open chunk's frames instead of listing them. */
export type StoredResumeState = Omit<ResumeState, "open"> & {
  open: (Omit<OpenChunkState, "frames"> & { frames: SeekEntry[] | number }) | null;
};

/**
 * Serializes a resume record (key order fixed: equal states give equal bytes), version 2: the
 * open chunk's frames as a count (their entries go to `state/open-frames.bin`, see
 * `open_frames.ts`), so the record's size does not grow with the chunk.
 */
export function encodeResumeState(s: ResumeState): string {
  const ordered: StoredResumeState = {
    format: RESUME_FORMAT,
    version: 2,
    manifest: s.manifest,
    open: s.open && { ...s.open, frames: s.open.frames.length },
    indexRecords: s.indexRecords,
    rejectsBytes: s.rejectsBytes,
    pipeline: s.pipeline,
  };
  return JSON.stringify(ordered);
}

/**
 * Parses and checks a resume record; `path` names it in errors. Version 1 lists the open chunk's
 * frames, version 2 counts them (`loadArchiveState` reads the list from `state/open-frames.bin`).
 */
export function decodeResumeState(text: string, path: string): StoredResumeState {
  let s: StoredResumeState;
  try {
    s = JSON.parse(text);
  } catch (e) {
    throw new ArchiveError(`${path} is damaged (${(e as Error).message}): restore it or re-run`);
  }
  if (s?.format !== RESUME_FORMAT || s.manifest?.format !== "blkpipe-archive") {
    throw new ArchiveError(`${path} is not a blkpipe resume file`);
  }
  return s;
}
