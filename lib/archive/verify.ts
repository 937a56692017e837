/**
 * `verify`: checks everything an archive claims, and reports every problem
 * found (not just the first): chunk checksums (SHA-256), seek tables, every
 * frame decompresses to its size and XXH64, every record frames a block
 * whose hash, position and header match the height index, every block
 * re-validates at the chosen level and links to the previous one across
 * chunks, and the manifest, index and resume state agree.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createXXHash64 } from "hash-wasm";
import { ChecksumMismatchError, CorruptDataError } from "../bytes/errors.ts";
import { bytesEqual, hashToHex } from "../bytes/hex.ts";
import { blockHash } from "../bitcoin/header.ts";
import { NETWORKS } from "../bitcoin/network.ts";
import { BlockChecker, type CheckLevel } from "../validate/check_block.ts";
import { HeaderChain } from "../validate/header_chain.ts";
import { verifyFrame } from "./archive_writer.ts";
import { readAt } from "./atomic_file.ts";
import { readChunkTable } from "./read_seek_table.ts";
import {
  decodeIndexHeader,
  decodeIndexRecord,
  INDEX_HEADER_SIZE,
  INDEX_RECORD_SIZE,
} from "./height_index.ts";
import { ARCHIVE_PATHS, type ArchiveManifest, parseManifest } from "./manifest.ts";
import type { ResumeState } from "./resume_state.ts";
import { zstdFrameInfo } from "./zstd_frame.ts";

/** One problem found. */
export interface VerifyProblem {
  /** Where: file, and height or frame when known. */
  where: string;
  /** Machine-readable kind. */
  code: string;
  /** What is wrong. */
  detail: string;
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
  /** Re-validation level (default full). */
  level?: CheckLevel;
  /** Progress callback per chunk. */
  onChunk?: (id: number, report: VerifyReport) => void;
}

/** Verifies the archive at `dir`. Never throws for damaged data: it reports. */
export async function verifyArchive(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const report: VerifyReport = {
    problems: [],
    chunks: 0,
    frames: 0,
    blocks: 0,
    rawBytes: 0,
    rejects: 0,
  };
  const problem = (where: string, code: string, detail: string) =>
    report.problems.push({ where, code, detail });
  const level = options.level ?? "full";
  let manifest: ArchiveManifest;
  const mpath = `${dir}/${ARCHIVE_PATHS.manifest}`;
  try {
    manifest = parseManifest(Deno.readTextFileSync(mpath), mpath);
  } catch (e) {
    problem(mpath, "manifest", (e as Error).message);
    return report;
  }
  const network = NETWORKS[manifest.network];
  if (!network) {
    problem(mpath, "manifest", `unknown network ${manifest.network}`);
    return report;
  }
  // Index.
  const ipath = `${dir}/${ARCHIVE_PATHS.index}`;
  let index: Uint8Array;
  try {
    index = Deno.readFileSync(ipath);
    const h = decodeIndexHeader(index, ipath);
    if (h.network !== manifest.network) {
      problem(ipath, "index", `network ${h.network} ≠ manifest ${manifest.network}`);
    }
    if (h.startHeight !== manifest.startHeight) {
      problem(ipath, "index", `start height ${h.startHeight} ≠ manifest`);
    }
  } catch (e) {
    problem(ipath, "index", (e as Error).message);
    index = new Uint8Array(INDEX_HEADER_SIZE);
  }
  const records = Math.floor((index.length - INDEX_HEADER_SIZE) / INDEX_RECORD_SIZE);
  if ((index.length - INDEX_HEADER_SIZE) % INDEX_RECORD_SIZE !== 0) {
    problem(ipath, "index", "file length is not a whole number of records");
  }
  const tip = manifest.tip ? manifest.tip.height : manifest.startHeight - 1;
  if (records !== tip - manifest.startHeight + 1) {
    problem(
      ipath,
      "index",
      `${records} records, manifest tip implies ${tip - manifest.startHeight + 1}`,
    );
  }
  // Resume state agrees with the manifest.
  try {
    const state = JSON.parse(Deno.readTextFileSync(`${dir}/${ARCHIVE_PATHS.state}`)) as ResumeState;
    if (state.indexRecords !== records) {
      problem(ARCHIVE_PATHS.state, "state", `records ${state.indexRecords} ≠ index ${records}`);
    }
    if (state.open !== null) {
      problem(ARCHIVE_PATHS.state, "state", "a run was interrupted: run collect to finish it");
    }
    if (state.pipeline && state.pipeline.nextHeight !== tip + 1) {
      problem(
        ARCHIVE_PATHS.state,
        "state",
        `resume point is height ${state.pipeline.nextHeight}, archive tip ${tip}`,
      );
    }
  } catch (e) {
    problem(ARCHIVE_PATHS.state, "state", (e as Error).message);
  }
  const checker = new BlockChecker(network);
  const headers = new HeaderChain(network);
  const xxh = await createXXHash64();
  let expectHeight = manifest.startHeight;
  let prevHash: Uint8Array | null = null;
  for (const chunk of manifest.chunks) {
    report.chunks++;
    const path = `${dir}/${chunk.file}`;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true });
    } catch (e) {
      problem(path, "chunk-missing", (e as Error).message);
      expectHeight = chunk.lastHeight + 1;
      continue;
    }
    try {
      // Streamed: a chunk can be far larger than memory.
      const size = file.statSync().size;
      if (size !== chunk.storedBytes) {
        problem(path, "chunk-size", `${size} bytes, manifest says ${chunk.storedBytes}`);
      }
      const digest = sha256OfFile(file, size);
      if (digest !== chunk.sha256) {
        problem(path, "checksum", `SHA-256 ${digest}, manifest says ${chunk.sha256}`);
      }
      if (chunk.firstHeight !== expectHeight) {
        problem(path, "chunk-heights", `starts at ${chunk.firstHeight}, expected ${expectHeight}`);
      }
      // Frames that do not add up are reported, then walked as the table says.
      const table = readChunkTable(file, path, true);
      if (table.mismatch) problem(path, "bad-seek-table", table.mismatch);
      const entries = table.entries;
      if (entries.length !== chunk.frames) {
        problem(path, "seek-table", `${entries.length} frames, manifest says ${chunk.frames}`);
      }
      let at = 0;
      let blocksInChunk = 0;
      for (let fi = 0; fi < entries.length; fi++) {
        const e = entries[fi]!;
        const where = `${path} frame ${fi}`;
        report.frames++;
        try {
          if (at + e.compressed > size) {
            throw new CorruptDataError("truncated", "frame runs past the end of the file", {
              file: path,
              offset: at,
              field: "frame",
            });
          }
          const frameBytes = new Uint8Array(e.compressed);
          readAt(file, frameBytes, at);
          const info = zstdFrameInfo(frameBytes, 0);
          if (info.length !== e.compressed) {
            problem(
              where,
              "seek-table",
              `frame is ${info.length} bytes, table says ${e.compressed}`,
            );
          }
          const raw = verifyFrame(frameBytes, e, xxh, where);
          report.rawBytes += raw.length;
          // Walk the records of the frame.
          for (let off = 0; off < raw.length;) {
            const height = expectHeight;
            const hw = `${path} frame ${fi} height ${height}`;
            if (off + 8 > raw.length) {
              problem(hw, "record", "frame ends inside a record header");
              break;
            }
            if (!bytesEqual(raw.subarray(off, off + 4), network.magic)) {
              problem(hw, "record", "bad magic");
            }
            const size = new DataView(raw.buffer, raw.byteOffset + off + 4, 4).getUint32(0, true);
            if (off + 8 + size > raw.length) {
              problem(hw, "record", `record of ${size} bytes runs past the frame`);
              break;
            }
            const block = raw.subarray(off + 8, off + 8 + size);
            const hash = blockHash(block);
            if (height - manifest.startHeight < records) {
              const r = decodeIndexRecord(
                index,
                INDEX_HEADER_SIZE + (height - manifest.startHeight) * INDEX_RECORD_SIZE,
              );
              if (r.chunk !== chunk.id || r.frame !== fi || r.offset !== off || r.size !== size) {
                problem(
                  hw,
                  "index",
                  `index says chunk ${r.chunk} frame ${r.frame} offset ${r.offset} size ${r.size}`,
                );
              }
              if (!bytesEqual(r.hash, hash)) {
                problem(hw, "index", `index hash ${hashToHex(r.hash)} ≠ block ${hashToHex(hash)}`);
              }
              if (!bytesEqual(r.header, block.subarray(0, 80))) {
                problem(hw, "index", "index header differs from the block's");
              }
            } else problem(hw, "index", "no index record for this height");
            if (prevHash && !bytesEqual(block.subarray(4, 36), prevHash)) {
              problem(hw, "link", "does not link to the previous archived block");
            }
            const failure = checker.check(block, hash, height, level) ??
              (level === "framing" ? null : headers.check(block.subarray(0, 80), height));
            if (failure) problem(hw, failure.code, failure.detail);
            if (headers.tipHeight < 0 || headers.tipHeight === height - 1) {
              headers.accept(block.subarray(0, 80), hash, height);
            }
            prevHash = hash;
            report.blocks++;
            blocksInChunk++;
            expectHeight++;
            off += 8 + size;
          }
        } catch (err) {
          const code = err instanceof CorruptDataError || err instanceof ChecksumMismatchError
            ? (err instanceof CorruptDataError ? err.code : "checksum")
            : "frame";
          problem(where, code, (err as Error).message);
          // Skip the heights the index places in this frame, so later blocks are judged on their own.
          const from = expectHeight;
          while (expectHeight - manifest.startHeight < records) {
            const r = decodeIndexRecord(
              index,
              INDEX_HEADER_SIZE + (expectHeight - manifest.startHeight) * INDEX_RECORD_SIZE,
            );
            if (r.chunk !== chunk.id || r.frame !== fi) break;
            expectHeight++;
            blocksInChunk++;
          }
          if (expectHeight > from) {
            problem(
              where,
              "unreadable",
              `heights ${from}..${expectHeight - 1} could not be checked`,
            );
          }
          prevHash = null;
        }
        at += e.compressed;
      }
      if (blocksInChunk !== chunk.blocks) {
        problem(path, "chunk-blocks", `${blocksInChunk} blocks, manifest says ${chunk.blocks}`);
      }
      expectHeight = chunk.firstHeight + chunk.blocks;
    } catch (e) {
      problem(path, e instanceof CorruptDataError ? e.code : "chunk", (e as Error).message);
      expectHeight = chunk.lastHeight + 1;
      prevHash = null; // the next chunk cannot be linked to an unreadable one
    } finally {
      file.close();
    }
    options.onChunk?.(chunk.id, report);
  }
  if (expectHeight !== tip + 1) {
    problem(mpath, "tip", `chunks end at ${expectHeight - 1}, manifest tip is ${tip}`);
  }
  // rejects.jsonl: one JSON object per line.
  try {
    const lines = Deno.readTextFileSync(`${dir}/${ARCHIVE_PATHS.rejects}`).split("\n").filter((l) =>
      l.length > 0
    );
    lines.forEach((l, i) => {
      try {
        JSON.parse(l);
      } catch {
        problem(`${ARCHIVE_PATHS.rejects} line ${i + 1}`, "rejects", "not JSON");
      }
    });
    report.rejects = lines.length;
  } catch (e) {
    problem(ARCHIVE_PATHS.rejects, "rejects", (e as Error).message);
  }
  return report;
}

/** SHA-256 (hex) of the first `size` bytes of `file`, read 4 MiB at a time. */
function sha256OfFile(file: Deno.FsFile, size: number): string {
  const h = createHash("sha256");
  const buf = new Uint8Array(4 << 20);
  for (let at = 0; at < size;) {
    const n = Math.min(buf.length, size - at);
    readAt(file, buf.subarray(0, n), at);
    h.update(buf.subarray(0, n));
    at += n;
  }
  return h.digest("hex");
}
