/**
 * The archive format: seekable zstd chunks, the height index, the manifest,
 * the resume record; the stream stages that write an archive, the reader,
 * and verification.
 *
 * @module
 */

export { ArchiveReader } from "./archive_reader.ts";
export {
  type ArchiveTarget,
  loadArchiveState,
  openArchiveTarget,
  type OpenTargetOptions,
} from "./archive_target.ts";
export { archiveSink, type ArchiveSinkOptions } from "./archive_sink.ts";
export type { WriterStats } from "./archive_writer.ts";
export { compressFrames, type CompressOptions } from "./compress_frames.ts";
export { frameBlocks, type FramedBlock } from "./frame_blocks.ts";
export type { CompressedFrameJob, FrameJob } from "./frame_job.ts";
export { type FrameLayout, type FramePosition, Framer, startPosition } from "./framer.ts";
export {
  ARCHIVE_DEFAULTS,
  ARCHIVE_FORMAT,
  ARCHIVE_PATHS,
  ARCHIVE_VERSION,
  ArchiveError,
  type ArchiveLayoutOptions,
  type ArchiveManifest,
  type ChunkEntry,
  type ChunkPolicy,
  parseManifest,
} from "./manifest.ts";
export type { OpenChunkState, ResumeState } from "./resume_record.ts";
export {
  decodeIndexHeader,
  decodeIndexRecord,
  encodeIndexHeader,
  encodeIndexRecord,
  INDEX_HEADER_SIZE,
  INDEX_RECORD_SIZE,
  type IndexHeader,
  type IndexRecord,
} from "./height_index.ts";
export { decodeSeekTable, encodeSeekTable, type SeekEntry } from "./seek_table.ts";
export { type ZstdFrameInfo, zstdFrameInfo } from "./zstd_frame.ts";
export {
  type BlockCheck,
  verifyArchive,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
} from "./verify_archive.ts";
