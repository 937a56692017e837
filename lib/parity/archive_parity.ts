/**
 * Parity for an archive directory: which recovery sets protect what, and
 * `parity.json`, the record of what is protected. Sealed chunks are grouped
 * (`groupChunks` consecutive chunk ids per set, named `parity-gNNNNN`) so
 * that one whole lost chunk is repairable; the manifest, height index,
 * rejects and resume record form the set `parity-meta`. The PAR2 files sit
 * at the archive's root, so `par2 verify ARCHIVE/parity-g00000.par2` works
 * with no options.
 *
 * @module
 */

import { ARCHIVE_PATHS, type ArchiveManifest, parseManifest } from "../archive/manifest.ts";
import { sha256OfFile } from "../archive/verify_checks.ts";
import type { Store } from "../store/store.ts";
import { MAX_INPUT_SLICES } from "./gf16.ts";

/** The record of what is protected. */
export const PARITY_RECORD = "parity.json";
/** Prefix of every recovery set's PAR2 files. */
export const PARITY_PREFIX = "parity-";
/** Files of the metadata set (those that exist and are not empty). */
export const META_FILES = [
  ARCHIVE_PATHS.manifest,
  ARCHIVE_PATHS.index,
  ARCHIVE_PATHS.rejects,
  ARCHIVE_PATHS.state,
] as const;

/** Parity options. */
export interface ParityOptions {
  /** Recovery data as a fraction of the protected data (default 0.10). */
  redundancy?: number;
  /** Sealed chunks per recovery set (default 10). */
  groupChunks?: number;
  /** Input slices aimed at per set (default 200: work is data × recovery slices). */
  targetSlices?: number;
  /** Memory for recovery accumulators (default 64 MiB). */
  memoryBytes?: number;
  /** Worker threads computing recovery data (default 2). */
  workers?: number;
}

/** Defaults of {@link ParityOptions}. */
export const PARITY_DEFAULTS = {
  redundancy: 0.1,
  groupChunks: 10,
  targetSlices: 200,
  memoryBytes: 64 << 20,
} as const;

/** One protected file. */
export interface ProtectedFile {
  /** Path relative to the archive. */
  file: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 hex. */
  sha256: string;
}

/** One recovery set as recorded. */
export interface ParitySetRecord {
  /** Base name of its PAR2 files. */
  name: string;
  /** What it protects. */
  files: ProtectedFile[];
  /** Slice size. */
  sliceSize: number;
  /** Input slices. */
  inputSlices: number;
  /** Recovery slices. */
  recovery: number;
  /** Its PAR2 files. */
  par2Files: string[];
}

/** `parity.json`. */
export interface ParityRecord {
  format: "blkpipe-parity";
  version: 1;
  /** Redundancy asked for. */
  redundancy: number;
  /** Chunks per group. */
  groupChunks: number;
  /** Input slices aimed at per set. */
  targetSlices: number;
  /** Sets, in name order. */
  sets: ParitySetRecord[];
}

/** A set to be made: its name and files (size and SHA-256 as the archive knows them). */
export interface PlannedSet {
  name: string;
  files: ProtectedFile[];
}

/** Reads `parity.json` (null when missing or unreadable: it is only a record). */
export async function readParityRecord(store: Store): Promise<ParityRecord | null> {
  try {
    const bytes = await store.read(PARITY_RECORD);
    if (!bytes) return null;
    const r = JSON.parse(new TextDecoder().decode(bytes)) as ParityRecord;
    return r.format === "blkpipe-parity" && Array.isArray(r.sets) ? r : null;
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
}

/** Writes `parity.json` atomically (sets sorted by name: equal states, equal bytes). */
export async function writeParityRecord(store: Store, r: ParityRecord): Promise<void> {
  const sets = [...r.sets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  await store.replace(PARITY_RECORD, JSON.stringify({ ...r, sets }, null, 2) + "\n");
}

/** Creator packet text of blkpipe's sets. */
export const PARITY_CREATOR = "blkpipe (PAR 2.0; https://parchive.github.io)";

/**
 * The sets an archive should have: one per group of sealed chunks (the open tail chunk, which the
 * next run extends, is protected once it is sealed), and the metadata set (its files hashed).
 */
export async function planSets(
  store: Store,
  manifest: ArchiveManifest,
  groupChunks: number,
): Promise<PlannedSet[]> {
  const sets = planChunkGroups(manifest, groupChunks);
  const meta: ProtectedFile[] = [];
  for (const file of META_FILES) {
    const size = await store.size(file);
    if (size) meta.push({ file, size, sha256: await sha256OfFile(store, file, size) });
  }
  if (meta.length > 0) sets.push({ name: `${PARITY_PREFIX}meta`, files: meta });
  return sets;
}

/** The chunk groups alone, from the manifest (nothing is read or hashed). */
export function planChunkGroups(manifest: ArchiveManifest, groupChunks: number): PlannedSet[] {
  const groups = new Map<number, ProtectedFile[]>();
  for (const c of manifest.chunks) {
    if (c.open) continue;
    const g = Math.floor(c.id / groupChunks);
    const list = groups.get(g) ?? [];
    list.push({ file: c.file, size: c.storedBytes, sha256: c.sha256 });
    groups.set(g, list);
  }
  return [...groups].map(([g, files]) => ({
    name: `${PARITY_PREFIX}g${String(g).padStart(5, "0")}`,
    files,
  }));
}

/**
 * Slice size and recovery count for files of `sizes`: about `target` input slices; recovery
 * slices `redundancy` of them but never fewer than the largest file's slices (so a whole lost
 * file is repairable) and never more than the input slices.
 */
export function sliceLayout(
  sizes: number[],
  redundancy: number,
  target: number,
): { sliceSize: number; inputSlices: number; recovery: number } {
  const total = sizes.reduce((a, b) => a + b, 0);
  let sliceSize = Math.max(4, Math.ceil(total / target / 4) * 4);
  const count = (s: number) => sizes.reduce((n, z) => n + Math.ceil(z / s), 0);
  while (count(sliceSize) > MAX_INPUT_SLICES) sliceSize *= 2;
  const inputSlices = count(sliceSize);
  const largest = Math.max(...sizes.map((z) => Math.ceil(z / sliceSize)));
  const recovery = Math.min(inputSlices, Math.max(Math.ceil(redundancy * inputSlices), largest, 1));
  return { sliceSize, inputSlices, recovery };
}

/** The archive's manifest (parity needs only its chunk list). */
export async function readManifest(store: Store): Promise<ArchiveManifest> {
  const bytes = await store.read(ARCHIVE_PATHS.manifest);
  const path = store.describe(ARCHIVE_PATHS.manifest);
  if (!bytes) throw new Deno.errors.NotFound(`${path} is missing`);
  return parseManifest(new TextDecoder().decode(bytes), path);
}

/** Names of the recovery sets whose PAR2 files are among `names` (an archive root's listing). */
export function discoverSets(names: string[]): string[] {
  const sets = new Set<string>();
  for (const name of names) {
    const m = /^(parity-[a-z0-9]+)\.(?:vol\d+\+\d+\.)?par2$/.exec(name);
    if (m) sets.add(m[1]!);
  }
  return [...sets].sort();
}
