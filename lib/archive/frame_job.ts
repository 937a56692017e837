/**
 * The unit that flows from framing through compression into the archive:
 * one frame of whole blk records plus everything the archive records with
 * it (index records, rejects lines, an optional resume point).
 *
 * @module
 */

/** One frame to write. */
export interface FrameJob {
  /** Chunk id. */
  chunk: number;
  /** Uncompressed frame: linearized blk records (empty when {@link records} is set). */
  raw: Uint8Array;
  /**
   * The frame's blocks, not yet joined into `raw`: compression writes each as a blk record
   * (`magic`, length, block), on a worker. Their buffers are given away with the job (each
   * block's buffer holds nothing else); `compressFrames` hands them back through its
   * `recycleBlocks`.
   */
  records?: UnjoinedRecords;
  /** Height index records of the frame's blocks (128 bytes each). */
  index: Uint8Array;
  /** Blocks in the frame (0: a job that carries only rejects lines or a resume point). */
  blocks: number;
  /** First height in the frame. */
  firstHeight: number;
  /** Last height in the frame. */
  lastHeight: number;
  /** Hash (display hex) of the last block. */
  lastHash: string;
  /** rejects.jsonl lines produced before this frame closed. */
  rejects: string;
  /** The chunk is full after this frame. */
  endsChunk: boolean;
  /**
   * Pipeline snapshot to record once this frame is durable (a resume point), or null. Opaque to
   * the archive: collect stores its reader, orderer and validator state here.
   */
  checkpoint: unknown;
  /** The compressed frame (set by `compressFrames`). */
  compressed?: CompressedData;
}

/** A frame's blocks before they are joined into records. */
export interface UnjoinedRecords {
  /** Network magic (starts every record). */
  magic: Uint8Array;
  /** The blocks, in order. */
  blocks: Uint8Array[];
}

/** A frame as compressed. */
export interface CompressedData {
  /** Exactly one zstd frame. */
  frame: Uint8Array;
  /** Its content checksum (low 32 bits of XXH64 of the uncompressed bytes). */
  checksum: number;
  /** Uncompressed bytes (`raw` may be empty by now: its buffer reused). */
  rawBytes: number;
}

/** A job after compression. */
export type CompressedFrameJob = FrameJob & { compressed: CompressedData };
