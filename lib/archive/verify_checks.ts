/**
 * The archive's consistency checks, one function per check. Each appends
 * what it finds to a {@link Problems} list and never throws for damaged
 * data (bbolt's `tx.Check` style: report everything, not just the first).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Store } from "../store/store.ts";
import { decodeIndexHeader, INDEX_HEADER_SIZE, INDEX_RECORD_SIZE } from "./height_index.ts";
import { ARCHIVE_PATHS, type ArchiveManifest, type ChunkEntry, parseManifest } from "./manifest.ts";
import { decodeResumeState } from "./resume_record.ts";

/** One problem found. */
export interface VerifyProblem {
  /** Where: file, and height or frame when known. */
  where: string;
  /** Machine-readable kind. */
  code: string;
  /** What is wrong. */
  detail: string;
}

/** The list checks append to. */
export class Problems {
  /** Everything found so far. */
  readonly list: VerifyProblem[] = [];
  /** Records a problem. */
  add(where: string, code: string, detail: string): void {
    this.list.push({ where, code, detail });
  }
}

/** Reads and parses the manifest; null (with a problem) when unusable. */
export async function checkManifest(
  store: Store,
  problems: Problems,
): Promise<ArchiveManifest | null> {
  const path = store.describe(ARCHIVE_PATHS.manifest);
  try {
    const bytes = await store.read(ARCHIVE_PATHS.manifest);
    if (bytes === null) throw new Error("missing");
    return parseManifest(new TextDecoder().decode(bytes), path);
  } catch (e) {
    problems.add(path, "manifest", (e as Error).message);
    return null;
  }
}

/** The height index, checked against the manifest: its bytes and record count. */
export async function checkIndexFile(
  store: Store,
  manifest: ArchiveManifest,
  problems: Problems,
): Promise<{ index: Uint8Array; records: number }> {
  const path = store.describe(ARCHIVE_PATHS.index);
  let index: Uint8Array;
  try {
    index = (await store.read(ARCHIVE_PATHS.index)) ?? new Uint8Array(0);
    const h = decodeIndexHeader(index, path);
    if (h.network !== manifest.network) {
      problems.add(path, "index", `network ${h.network} ≠ manifest ${manifest.network}`);
    }
    if (h.startHeight !== manifest.startHeight) {
      problems.add(path, "index", `start height ${h.startHeight} ≠ manifest`);
    }
  } catch (e) {
    problems.add(path, "index", (e as Error).message);
    index = new Uint8Array(INDEX_HEADER_SIZE);
  }
  const records = Math.floor((index.length - INDEX_HEADER_SIZE) / INDEX_RECORD_SIZE);
  if ((index.length - INDEX_HEADER_SIZE) % INDEX_RECORD_SIZE !== 0) {
    problems.add(path, "index", "file length is not a whole number of records");
  }
  const expected = tipOf(manifest) - manifest.startHeight + 1;
  if (records !== expected) {
    problems.add(path, "index", `${records} records, manifest tip implies ${expected}`);
  }
  return { index, records };
}

/** Highest archived height (startHeight - 1 when empty). */
export function tipOf(m: ArchiveManifest): number {
  return m.tip ? m.tip.height : m.startHeight - 1;
}

/**
 * The resume record agrees with the index and is not mid-run; `checkPipeline` (from the writer
 * that owns the pipeline snapshot) may add its own judgement.
 */
export async function checkResumeState(
  store: Store,
  records: number,
  tip: number,
  problems: Problems,
  checkPipeline?: (pipeline: unknown, tip: number) => string | null,
): Promise<void> {
  const where = ARCHIVE_PATHS.state;
  try {
    const bytes = await store.read(ARCHIVE_PATHS.state);
    if (bytes === null) throw new Error("missing");
    const state = decodeResumeState(new TextDecoder().decode(bytes), store.describe(where));
    if (state.indexRecords !== records) {
      problems.add(where, "state", `records ${state.indexRecords} ≠ index ${records}`);
    }
    if (state.open !== null) {
      problems.add(where, "state", "a run was interrupted: run collect to finish it");
    }
    const verdict = state.pipeline === null ? null : checkPipeline?.(state.pipeline, tip) ?? null;
    if (verdict) problems.add(where, "state", verdict);
  } catch (e) {
    problems.add(where, "state", (e as Error).message);
  }
}

/** SHA-256 (hex) of the first `size` bytes of `path`, read 4 MiB at a time. */
export async function sha256OfFile(store: Store, path: string, size: number): Promise<string> {
  const h = createHash("sha256");
  const piece = 4 << 20;
  for (let at = 0; at < size; at += piece) {
    h.update(await store.readAt(path, at, Math.min(piece, size - at)));
  }
  return h.digest("hex");
}

/** A chunk file's size, SHA-256 and first height against its manifest entry; false if missing. */
export async function checkChunkFile(
  store: Store,
  chunk: ChunkEntry,
  expectHeight: number,
  problems: Problems,
): Promise<boolean> {
  const path = store.describe(chunk.file);
  const size = await store.size(chunk.file);
  if (size === null) {
    problems.add(path, "chunk-missing", "the chunk file is missing");
    return false;
  }
  if (size !== chunk.storedBytes) {
    problems.add(path, "chunk-size", `${size} bytes, manifest says ${chunk.storedBytes}`);
  }
  const digest = await sha256OfFile(store, chunk.file, size);
  if (digest !== chunk.sha256) {
    problems.add(path, "checksum", `SHA-256 ${digest}, manifest says ${chunk.sha256}`);
  }
  if (chunk.firstHeight !== expectHeight) {
    problems.add(path, "chunk-heights", `starts at ${chunk.firstHeight}, expected ${expectHeight}`);
  }
  return true;
}

/** rejects.jsonl holds one JSON object per line; returns the number of lines. */
export async function checkRejects(store: Store, problems: Problems): Promise<number> {
  const bytes = await store.read(ARCHIVE_PATHS.rejects);
  if (bytes === null) {
    problems.add(ARCHIVE_PATHS.rejects, "rejects", "missing");
    return 0;
  }
  const lines = new TextDecoder().decode(bytes).split("\n").filter((l) => l.length > 0);
  lines.forEach((l, i) => {
    try {
      JSON.parse(l);
    } catch {
      problems.add(`${ARCHIVE_PATHS.rejects} line ${i + 1}`, "rejects", "not JSON");
    }
  });
  return lines.length;
}
