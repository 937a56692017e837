/**
 * `verifyArchive`: checks everything an archive claims and reports every
 * problem found: chunk checksums (SHA-256), seek tables, every frame
 * decompresses to its size and XXH64, every record frames a block whose
 * hash, position and header match the height index, blocks link across
 * frames and chunks, an optional caller-supplied block check (collect's
 * validator) passes, and the manifest, index and resume record agree.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import { bytesEqual, hashToHex } from "../bytes/hex.ts";
import { readRecordLength, RECORD_HEADER_SIZE, recordSize } from "../bitcoin/blk_record.ts";
import { blockHash, headerOf, headerPrevHash } from "../bitcoin/header.ts";
import { NETWORKS } from "../bitcoin/network.ts";
import { openStore } from "../store/open_store.ts";
import type { Store } from "../store/store.ts";
import { newXxh64, verifyFrame, type Xxh64 } from "./frame_codec.ts";
import { decodeIndexRecord, indexOffset } from "./height_index.ts";
import type { ArchiveManifest, ChunkEntry } from "./manifest.ts";
import { readChunkTable } from "./read_seek_table.ts";
import {
  checkChunkFile,
  checkIndexFile,
  checkManifest,
  checkRejects,
  checkResumeState,
  Problems,
  tipOf,
  type VerifyProblem,
} from "./verify_checks.ts";
import { zstdFrameInfo } from "./zstd_frame.ts";

export type { VerifyProblem };

/** A check of each block beyond what the archive format knows (consensus rules). */
export interface BlockCheck {
  /** A failure `{code, detail}` for the block at `height`, or null. Called in height order. */
  check(
    block: Uint8Array,
    hash: Uint8Array,
    height: number,
  ): { code: string; detail: string } | null;
}

/** Verification report. */
export interface VerifyReport {
  /** Every problem found. */
  problems: VerifyProblem[];
  /** Chunks checked. */
  chunks: number;
  /** Frames decompressed. */
  frames: number;
  /** Blocks checked. */
  blocks: number;
  /** Uncompressed bytes checked. */
  rawBytes: number;
  /** Lines in rejects.jsonl. */
  rejects: number;
}

/** Options of {@link verifyArchive}. */
export interface VerifyOptions {
  /** Per-block check (e.g. `archiveBlockCheck` from the collect layer); none by default. */
  blockCheck?: ((m: ArchiveManifest) => BlockCheck) | undefined;
  /** Judges the writer's pipeline snapshot against the tip (collect's resume point). */
  checkPipeline?: ((pipeline: unknown, tip: number) => string | null) | undefined;
  /** Progress callback per chunk. */
  onChunk?: ((id: number, report: VerifyReport) => void) | undefined;
}

interface Walk {
  store: Store;
  manifest: ArchiveManifest;
  magic: Uint8Array;
  index: Uint8Array;
  records: number;
  problems: Problems;
  report: VerifyReport;
  blockCheck: BlockCheck | null;
  xxh: Xxh64;
  expectHeight: number;
  prevHash: Uint8Array | null;
}

/** Verifies the archive in `store` (or directory). Never throws for damaged data: it reports. */
export async function verifyArchive(
  store: Store | string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const s = typeof store === "string" ? openStore(store, { scan: true }) : store;
  const problems = new Problems();
  const report: VerifyReport = {
    problems: problems.list,
    chunks: 0,
    frames: 0,
    blocks: 0,
    rawBytes: 0,
    rejects: 0,
  };
  const manifest = await checkManifest(s, problems);
  if (!manifest) return report;
  const network = NETWORKS[manifest.network];
  if (!network) {
    problems.add(s.describe("manifest.json"), "manifest", `unknown network ${manifest.network}`);
    return report;
  }
  const { index, records } = await checkIndexFile(s, manifest, problems);
  const tip = tipOf(manifest);
  await checkResumeState(s, records, tip, problems, options.checkPipeline);
  const w: Walk = {
    store: s,
    manifest,
    magic: network.magic,
    index,
    records,
    problems,
    report,
    blockCheck: options.blockCheck?.(manifest) ?? null,
    xxh: await newXxh64(),
    expectHeight: manifest.startHeight,
    prevHash: null,
  };
  for (const chunk of manifest.chunks) {
    report.chunks++;
    if (await checkChunkFile(s, chunk, w.expectHeight, problems)) await walkChunk(w, chunk);
    else w.prevHash = null;
    w.expectHeight = chunk.firstHeight + chunk.blocks;
    options.onChunk?.(chunk.id, report);
  }
  if (w.expectHeight !== tip + 1) {
    problems.add(
      "manifest.json",
      "tip",
      `chunks end at ${w.expectHeight - 1}, manifest tip is ${tip}`,
    );
  }
  report.rejects = await checkRejects(s, problems);
  s.close();
  return report;
}

/** Walks every frame of a chunk; a damaged frame is reported once and its heights skipped. */
async function walkChunk(w: Walk, chunk: ChunkEntry): Promise<void> {
  const path = w.store.describe(chunk.file);
  let table;
  try {
    table = await readChunkTable(w.store, chunk.file, true);
  } catch (e) {
    w.problems.add(path, e instanceof CorruptDataError ? e.code : "chunk", (e as Error).message);
    w.prevHash = null; // the next chunk cannot be linked to an unreadable one
    return;
  }
  if (table.mismatch) w.problems.add(path, "bad-seek-table", table.mismatch);
  if (table.entries.length !== chunk.frames) {
    w.problems.add(
      path,
      "seek-table",
      `${table.entries.length} frames, manifest says ${chunk.frames}`,
    );
  }
  const first = w.expectHeight;
  for (let fi = 0; fi < table.entries.length; fi++) {
    const e = table.entries[fi]!;
    const at = table.offsets[fi]!;
    const where = `${path} frame ${fi}`;
    w.report.frames++;
    try {
      if (at + e.compressed > table.size) {
        throw new CorruptDataError("truncated", "frame runs past the end of the file", {
          file: path,
          offset: at,
          field: "frame",
        });
      }
      const bytes = await w.store.readAt(chunk.file, at, e.compressed);
      const info = zstdFrameInfo(bytes, 0);
      if (info.length !== e.compressed) {
        w.problems.add(
          where,
          "seek-table",
          `frame is ${info.length} bytes, table says ${e.compressed}`,
        );
      }
      const raw = verifyFrame(bytes, e, w.xxh, { file: path, frame: fi, offset: at });
      w.report.rawBytes += raw.length;
      walkRecords(w, chunk, fi, raw);
    } catch (err) {
      w.problems.add(
        where,
        err instanceof CorruptDataError ? err.code : "frame",
        (err as Error).message,
      );
      skipFrameHeights(w, chunk.id, fi, where);
    }
  }
  const blocks = w.expectHeight - first;
  if (blocks !== chunk.blocks) {
    w.problems.add(path, "chunk-blocks", `${blocks} blocks, manifest says ${chunk.blocks}`);
  }
}

/** Checks each record of a decompressed frame against the index, the chain and the block check. */
function walkRecords(w: Walk, chunk: ChunkEntry, fi: number, raw: Uint8Array): void {
  const path = w.store.describe(chunk.file);
  for (let off = 0; off < raw.length;) {
    const height = w.expectHeight;
    const hw = `${path} frame ${fi} height ${height}`;
    if (off + RECORD_HEADER_SIZE > raw.length) {
      w.problems.add(hw, "record", "frame ends inside a record header");
      return;
    }
    if (!bytesEqual(raw.subarray(off, off + 4), w.magic)) w.problems.add(hw, "record", "bad magic");
    const size = readRecordLength(raw, off);
    if (off + recordSize(size) > raw.length) {
      w.problems.add(hw, "record", `record of ${size} bytes runs past the frame`);
      return;
    }
    const block = raw.subarray(off + RECORD_HEADER_SIZE, off + recordSize(size));
    const hash = blockHash(block);
    if (height - w.manifest.startHeight < w.records) {
      const r = decodeIndexRecord(w.index, indexOffset(height, w.manifest.startHeight));
      if (r.chunk !== chunk.id || r.frame !== fi || r.offset !== off || r.size !== size) {
        w.problems.add(
          hw,
          "index",
          `index says chunk ${r.chunk} frame ${r.frame} offset ${r.offset} size ${r.size}`,
        );
      }
      if (!bytesEqual(r.hash, hash)) {
        w.problems.add(hw, "index", `index hash ${hashToHex(r.hash)} ≠ block ${hashToHex(hash)}`);
      }
      if (!bytesEqual(r.header, headerOf(block))) {
        w.problems.add(hw, "index", "index header differs from the block's");
      }
    } else w.problems.add(hw, "index", "no index record for this height");
    if (w.prevHash && !bytesEqual(headerPrevHash(block), w.prevHash)) {
      w.problems.add(hw, "link", "does not link to the previous archived block");
    }
    const failure = w.blockCheck?.check(block, hash, height) ?? null;
    if (failure) w.problems.add(hw, failure.code, failure.detail);
    w.prevHash = hash;
    w.report.blocks++;
    w.expectHeight++;
    off += recordSize(size);
  }
}

/** After a damaged frame: skip the heights the index places in it, so later blocks stand alone. */
function skipFrameHeights(w: Walk, chunk: number, fi: number, where: string): void {
  const from = w.expectHeight;
  while (w.expectHeight - w.manifest.startHeight < w.records) {
    const r = decodeIndexRecord(w.index, indexOffset(w.expectHeight, w.manifest.startHeight));
    if (r.chunk !== chunk || r.frame !== fi) break;
    w.expectHeight++;
  }
  if (w.expectHeight > from) {
    w.problems.add(
      where,
      "unreadable",
      `heights ${from}..${w.expectHeight - 1} could not be checked`,
    );
  }
  w.prevHash = null;
}
