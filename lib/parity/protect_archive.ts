/**
 * `protectArchive` (`deno task parity create`): computes the recovery sets
 * an archive lacks — new groups of chunks, groups whose chunks changed (the
 * open tail chunk grew), and the metadata set when its files changed. A set
 * is rewritten only when its files differ from what `parity.json` records;
 * `parity.json` is replaced after each set is durable, so a kill at any
 * instant loses at most the set being computed (its `.tmp` files are
 * removed by the next run). Chunks are checked against the manifest's
 * SHA-256 while they are read: a damaged chunk is never protected as is.
 * An archive in object storage is protected set by set in a working copy
 * ({@link ParityPlace}); its PAR2 files are uploaded before `parity.json`
 * records them.
 *
 * @module
 */

import { createRecoverySet } from "./par2_create.ts";
import {
  discoverSets,
  PARITY_CREATOR,
  PARITY_DEFAULTS,
  type ParityOptions,
  type ParityRecord,
  type ParitySetRecord,
  planSets,
  readManifest,
  readParityRecord,
  sliceLayout,
  writeParityRecord,
} from "./archive_parity.ts";
import { par2NamesOf } from "./par2_set.ts";
import { localParityPlace, type ParityPlace } from "./parity_place.ts";

/** What a protect run did. */
export interface ProtectResult {
  /** Sets computed this run. */
  created: string[];
  /** Sets already up to date. */
  upToDate: string[];
  /** Bytes of data protected by the sets computed. */
  protectedBytes: number;
  /** Bytes of recovery data written. */
  recoveryBytes: number;
}

/** A chunk read while protecting it does not match the manifest. */
export class DamagedInputError extends Error {
  constructor(readonly file: string, why = "does not match its SHA-256 in the manifest") {
    super(
      `${file} ${why}: it is damaged — run ` +
        "`deno task parity repair` (or `deno task verify`) before protecting it again",
    );
    this.name = "DamagedInputError";
  }
}

function sameFiles(a: ParitySetRecord["files"], b: ParitySetRecord["files"]): boolean {
  return a.length === b.length &&
    a.every((f, i) => f.file === b[i]!.file && f.size === b[i]!.size && f.sha256 === b[i]!.sha256);
}

/** Brings the archive's parity up to date (`target`: an archive directory, or a place). */
export async function protectArchive(
  target: string | ParityPlace,
  options: ParityOptions & {
    onSet?: ((name: string, index: number, total: number) => void) | undefined;
    /** Bytes of the set being computed read so far, and its size (progress). */
    onProgress?: ((done: number, total: number) => void) | undefined;
  } = {},
): Promise<ProtectResult> {
  const place = typeof target === "string" ? localParityPlace(target) : target;
  const store = place.store;
  await place.clean();
  const old = await readParityRecord(store);
  // An option not given keeps the archive's recorded layout.
  const redundancy = options.redundancy ?? old?.redundancy ?? PARITY_DEFAULTS.redundancy;
  const groupChunks = options.groupChunks ?? old?.groupChunks ?? PARITY_DEFAULTS.groupChunks;
  const targetSlices = options.targetSlices ?? old?.targetSlices ?? PARITY_DEFAULTS.targetSlices;
  if (!(redundancy > 0 && redundancy <= 1)) throw new RangeError("redundancy must be in (0, 1]");
  const sameLayout = old?.redundancy === redundancy && old.groupChunks === groupChunks &&
    old.targetSlices === targetSlices;
  const record: ParityRecord = {
    format: "blkpipe-parity",
    version: 1,
    redundancy,
    groupChunks,
    targetSlices,
    sets: sameLayout ? [...old!.sets] : [],
  };
  const plan = await planSets(store, await readManifest(store), groupChunks);
  const result: ProtectResult = { created: [], upToDate: [], protectedBytes: 0, recoveryBytes: 0 };
  let root = await store.list("");
  for (const [index, set] of plan.entries()) {
    const known = record.sets.find((s) => s.name === set.name);
    const present = par2NamesOf(root, set.name);
    if (
      known && sameFiles(known.files, set.files) &&
      known.par2Files.every((f) => present.includes(f))
    ) {
      result.upToDate.push(set.name);
      continue;
    }
    options.onSet?.(set.name, index, plan.length);
    const setBytes = set.files.reduce((n, f) => n + f.size, 0);
    let done = 0;
    const layout = sliceLayout(set.files.map((f) => f.size), redundancy, targetSlices);
    for (const f of set.files) {
      if ((await store.size(f.file)) === null) {
        throw new DamagedInputError(store.describe(f.file), "is missing");
      }
    }
    const made = await createRecoverySet({
      dir: await place.checkout(set.files.map((f) => f.file)),
      name: set.name,
      files: set.files.map((f) => f.file),
      sliceSize: layout.sliceSize,
      recovery: layout.recovery,
      memoryBytes: options.memoryBytes ?? PARITY_DEFAULTS.memoryBytes,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      creator: PARITY_CREATOR,
      onSlice: (n) => options.onProgress?.(done += n, setBytes),
      // A damaged chunk is never protected as is, and no recorded PAR2 file is replaced.
      check: (sha256) => {
        const bad = set.files.findIndex((f, i) => f.sha256 !== sha256[i]);
        if (bad >= 0) throw new DamagedInputError(store.describe(set.files[bad]!.file));
      },
    }).catch(async (e) => {
      await place.release();
      throw e;
    });
    await place.publish(made.files);
    await place.release();
    for (const f of present) if (!made.files.includes(f)) await store.remove(f);
    const entry: ParitySetRecord = {
      name: set.name,
      files: set.files,
      sliceSize: layout.sliceSize,
      inputSlices: layout.inputSlices,
      recovery: layout.recovery,
      par2Files: made.files,
    };
    record.sets = [...record.sets.filter((s) => s.name !== set.name), entry];
    await writeParityRecord(store, record);
    result.created.push(set.name);
    result.protectedBytes += setBytes;
    result.recoveryBytes += layout.recovery * layout.sliceSize;
  }
  // Sets of another layout or no longer planned: their PAR2 files go.
  const planned = new Set(plan.map((s) => s.name));
  root = await store.list("");
  for (const name of discoverSets(root)) {
    if (!planned.has(name)) {
      for (const f of par2NamesOf(root, name)) await store.remove(f);
    }
  }
  record.sets = record.sets.filter((s) => planned.has(s.name));
  await writeParityRecord(store, record);
  await place.release();
  return result;
}
