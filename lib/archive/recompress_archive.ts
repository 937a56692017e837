/**
 * `recompressArchive`: rewrites cold sealed chunks at a higher zstd level.
 * For each chunk: write the new file beside it, record its entry in the
 * resume record and the manifest (atomically, in that order), then move it
 * into place. Readers see either file — both decompress to the same bytes
 * with the same frames. A rerun after a kill finishes a pending move (its
 * SHA-256 is the recorded one) or discards a stale temporary, and brings
 * the manifest up to the resume record.
 *
 * @module
 */

import type { Store } from "../store/store.ts";
import { loadArchiveState } from "./archive_target.ts";
import { ARCHIVE_PATHS, ArchiveError, type ChunkEntry, manifestJson } from "./manifest.ts";
import { installRecompressed, RECOMPRESS_SUFFIX, recompressChunk } from "./recompress_chunk.ts";
import { encodeResumeState, type ResumeState } from "./resume_record.ts";
import { sha256OfFile } from "./verify_checks.ts";

/** One chunk rewritten. */
export interface RecompressedChunk {
  /** Chunk id. */
  id: number;
  /** Bytes before and after. */
  before: number;
  after: number;
}

/** Options of {@link recompressArchive}. */
export interface RecompressOptions {
  /** The new zstd level. */
  level: number;
  /** Which sealed chunks qualify (e.g. not read for N days); all by default. */
  select?: ((chunk: ChunkEntry) => boolean) | undefined;
  /** Compression workers (default 2). */
  workers?: number;
  /** Called after each chunk. */
  onChunk?: ((c: RecompressedChunk) => void) | undefined;
}

async function record(store: Store, state: ResumeState, entry: ChunkEntry): Promise<ResumeState> {
  const chunks = state.manifest.chunks.map((c) => (c.id === entry.id ? entry : c));
  const next: ResumeState = { ...state, manifest: { ...state.manifest, chunks } };
  await store.replace(ARCHIVE_PATHS.state, encodeResumeState(next));
  await store.replace(ARCHIVE_PATHS.manifest, manifestJson(next.manifest));
  return next;
}

/** Recompresses qualifying chunks of the archive in `store` (the caller holds its writer lock). */
export async function recompressArchive(
  store: Store,
  o: RecompressOptions,
): Promise<RecompressedChunk[]> {
  let state = await loadArchiveState(store);
  if (!state) throw new ArchiveError(`${store.location} is not a blkpipe archive`);
  if (state.open) {
    throw new ArchiveError(`${store.location}: a run was interrupted — run collect first`);
  }
  // Leftovers of a killed run: finish the move when the entry was recorded, else discard.
  for (const c of state.manifest.chunks) {
    const tmp = c.file + RECOMPRESS_SUFFIX;
    const size = await store.size(tmp);
    if (size === null) continue;
    const done = size === c.storedBytes && (await sha256OfFile(store, tmp, size)) === c.sha256;
    if (done) await installRecompressed(store, c);
    else await store.remove(tmp);
  }
  // A kill between the resume record and the manifest leaves the manifest one entry behind.
  const manifest = manifestJson(state.manifest);
  const onDisk = await store.read(ARCHIVE_PATHS.manifest);
  if (onDisk === null || new TextDecoder().decode(onDisk) !== manifest) {
    await store.replace(ARCHIVE_PATHS.manifest, manifest);
  }
  const out: RecompressedChunk[] = [];
  for (const c of state.manifest.chunks) {
    const current = c.level ?? state.manifest.zstdLevel;
    if (c.open || current === o.level || (o.select && !o.select(c))) continue;
    const entry = await recompressChunk(store, c, o.level, o.workers);
    state = await record(store, state, entry);
    await installRecompressed(store, entry);
    const done = { id: c.id, before: c.storedBytes, after: entry.storedBytes };
    out.push(done);
    o.onChunk?.(done);
  }
  return out;
}
