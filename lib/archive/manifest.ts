/**
 * `manifest.json`: what the archive holds. Written atomically whenever a
 * chunk is sealed and at the end of each run; derived from the resume state,
 * which is the source of truth while a run is in progress.
 *
 * @module
 */

import type { NetworkName } from "../bitcoin/network.ts";

/** Archive format name (the `format` field). */
export const ARCHIVE_FORMAT = "blkpipe-archive";
/** Archive format version. */
export const ARCHIVE_VERSION = 1;

/** When a chunk is full. */
export type ChunkPolicy = { blocks: number } | { bytes: number };

/** The one set of layout defaults (collect, the stream stages and the CLI use these). */
export const ARCHIVE_DEFAULTS = {
  /** Blocks per chunk: the seed's 125,000. */
  chunkPolicy: { blocks: 125_000 } as ChunkPolicy,
  /** Aimed uncompressed bytes per zstd frame (the unit of random access). */
  frameBytes: 2 << 20,
  /** zstd level. */
  zstdLevel: 3,
} as const;

/** Layout choices of a new archive (defaults: {@link ARCHIVE_DEFAULTS}). */
export interface ArchiveLayoutOptions {
  /** Chunk policy. */
  chunkPolicy?: ChunkPolicy | undefined;
  /** Aimed uncompressed bytes per frame. */
  frameBytes?: number | undefined;
  /** zstd level. */
  level?: number | undefined;
  /** Height of the first block. */
  startHeight?: number | undefined;
}

/** The manifest of a new, empty archive. */
export function newManifest(network: NetworkName, o: ArchiveLayoutOptions = {}): ArchiveManifest {
  return {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    network,
    startHeight: o.startHeight ?? 0,
    chunkPolicy: o.chunkPolicy ?? ARCHIVE_DEFAULTS.chunkPolicy,
    frameBytes: o.frameBytes ?? ARCHIVE_DEFAULTS.frameBytes,
    zstdLevel: o.level ?? ARCHIVE_DEFAULTS.zstdLevel,
    chunks: [],
    tip: null,
  };
}

/** True when a chunk holding `blocks` blocks of `rawBytes` uncompressed bytes is full. */
export function chunkIsFull(policy: ChunkPolicy, blocks: number, rawBytes: number): boolean {
  return "blocks" in policy ? blocks >= policy.blocks : rawBytes >= policy.bytes;
}

/** One sealed chunk. */
export interface ChunkEntry {
  /** Chunk id (0, 1, …). */
  id: number;
  /** Path relative to the archive directory. */
  file: string;
  /** First height in the chunk. */
  firstHeight: number;
  /** Last height in the chunk. */
  lastHeight: number;
  /** Blocks in the chunk. */
  blocks: number;
  /** zstd frames in the chunk. */
  frames: number;
  /** Bytes once decompressed (the linearized blk file). */
  rawBytes: number;
  /** Bytes on disk, seek table included. */
  storedBytes: number;
  /** SHA-256 of the whole chunk file, hex (`sha256sum` prints the same). */
  sha256: string;
  /** True for the last chunk when it is not full yet (a later run appends to it). */
  open: boolean;
  /** zstd level of this chunk when it differs from the manifest's (set by `recompress`). */
  level?: number;
}

/** The manifest. */
export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  network: NetworkName;
  /** Height of the first archived block. */
  startHeight: number;
  chunkPolicy: ChunkPolicy;
  /** Aimed uncompressed bytes per zstd frame. */
  frameBytes: number;
  zstdLevel: number;
  chunks: ChunkEntry[];
  /** Highest archived block, or null when empty. */
  tip: { height: number; hash: string } | null;
}

/** The manifest as written (stable key order, trailing newline). */
export function manifestJson(m: ArchiveManifest): string {
  return JSON.stringify(m, null, 2) + "\n";
}

/** Paths inside an archive directory. */
export const ARCHIVE_PATHS = {
  manifest: "manifest.json",
  index: "index/heights.idx",
  state: "state/resume.json",
  rejects: "rejects.jsonl",
  chunks: "chunks",
} as const;

/** File name of chunk `id` (`chunks/00042.blk.zst`). */
export function chunkFileName(id: number): string {
  return `${ARCHIVE_PATHS.chunks}/${String(id).padStart(5, "0")}.blk.zst`;
}

/** An error about the archive directory itself (not its data). */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

/** Parses and checks a manifest. */
export function parseManifest(text: string, path: string): ArchiveManifest {
  let m: ArchiveManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new ArchiveError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== ARCHIVE_FORMAT) {
    throw new ArchiveError(`${path}: not a blkpipe archive manifest`);
  }
  if (m.version !== ARCHIVE_VERSION) {
    throw new ArchiveError(
      `${path}: archive format version ${m.version}, this blkpipe reads ${ARCHIVE_VERSION}`,
    );
  }
  return m;
}
