/**
 * `checkParity` (`deno task parity verify`) and `repairArchive`
 * (`deno task parity repair`): every recovery set found in the archive is
 * loaded from whatever PAR2 files survive and its files are checked slice by
 * slice: intact, damaged but recoverable (missing vs available slices), or
 * unrecoverable. Repair rebuilds what can be rebuilt — each file into a
 * temporary, checked against its MD5, then renamed over the damaged one —
 * and leaves every file of an unrecoverable set as it was. Sets are taken
 * one at a time, so an archive in object storage needs local room for one
 * set's files only ({@link ParityPlace}).
 *
 * @module
 */

import {
  discoverSets,
  PARITY_CREATOR,
  planChunkGroups,
  readManifest,
  readParityRecord,
} from "./archive_parity.ts";
import { localParityPlace, type ParityPlace } from "./parity_place.ts";
import { repairSet, UnrecoverableError } from "./par2_repair.ts";
import { createRecoverySet } from "./par2_create.ts";
import {
  type FileScan,
  loadRecoverySet,
  par2NamesOf,
  type RecoverySet,
  scanFiles,
} from "./par2_set.ts";

/** Health of one recovery set. */
export interface SetHealth {
  /** Set name. */
  name: string;
  /** intact | recoverable (damaged) | unrecoverable | unreadable (its PAR2 files are lost). */
  status: "intact" | "recoverable" | "unrecoverable" | "unreadable";
  /** Damaged or missing files. */
  damaged: Array<{ file: string; status: FileScan["status"]; badSlices: number }>;
  /** Input slices to rebuild. */
  missingSlices: number;
  /** Recovery slices available. */
  availableSlices: number;
  /** Input slices in the set. */
  inputSlices: number;
  /** Recovery slices the set was made with (from its volume file names). */
  madeSlices: number;
  /** Its PAR2 files are damaged or incomplete (repair rewrites them once the data is intact). */
  parityDamaged: boolean;
  /** What went wrong reading the set (unreadable). */
  detail?: string;
}

/** Health of an archive's parity. */
export interface ParityReport {
  /** One entry per set. */
  sets: SetHealth[];
  /** Chunk files no current set protects (run `parity create`). */
  unprotected: string[];
}

/** Recovery slices a set was made with, from its volume names (`NAME.vol000+RRR.par2`). */
function madeRecovery(set: RecoverySet): number {
  let n = 0;
  for (const f of set.par2Files) {
    const m = /\.vol(\d+)\+(\d+)\.par2$/.exec(f);
    if (m) n = Math.max(n, Number(m[1]) + Number(m[2]));
  }
  return n;
}

function judge(name: string, set: RecoverySet, scans: FileScan[]): SetHealth {
  const missing = scans.reduce((n, s) => n + s.badSlices.length, 0);
  const damaged = scans.filter((s) => s.status !== "ok").map((s) => ({
    file: s.name,
    status: s.status,
    badSlices: s.badSlices.length,
  }));
  const status = damaged.length === 0
    ? "intact"
    : missing <= set.recovery.length
    ? "recoverable"
    : "unrecoverable";
  const made = madeRecovery(set);
  return {
    name,
    status,
    damaged,
    missingSlices: missing,
    availableSlices: set.recovery.length,
    inputSlices: set.constants.length,
    madeSlices: made,
    parityDamaged: set.recovery.length < made || !set.par2Files.includes(`${name}.par2`),
  };
}

/** A set as found: its health and, when readable, the loaded set and its file scans. */
interface Inspected {
  health: SetHealth;
  set?: RecoverySet;
  scans?: FileScan[];
}

function unreadable(name: string, detail: string): Inspected {
  return {
    health: {
      name,
      status: "unreadable",
      damaged: [],
      missingSlices: 0,
      availableSlices: 0,
      inputSlices: 0,
      madeSlices: 0,
      parityDamaged: true,
      detail,
    },
  };
}

/** Loads set `name` (its PAR2 files among `root`, the archive's listing) and scans its files. */
async function inspect(place: ParityPlace, root: string[], name: string): Promise<Inspected> {
  const dir = await place.checkout(par2NamesOf(root, name));
  let set: RecoverySet;
  try {
    set = loadRecoverySet(dir, name);
  } catch (e) {
    return unreadable(name, (e as Error).message);
  }
  await place.checkout(set.files.map((f) => f.name));
  const scans = scanFiles(set);
  return { health: judge(name, set, scans), set, scans };
}

/** Chunk files that no recorded set covers with their current content. */
async function unprotectedChunks(place: ParityPlace): Promise<string[]> {
  let manifest;
  try {
    manifest = await readManifest(place.store);
  } catch {
    return []; // a damaged manifest is reported by the metadata set
  }
  const record = await readParityRecord(place.store);
  const covered = new Map<string, string>();
  for (const s of record?.sets ?? []) for (const f of s.files) covered.set(f.file, f.sha256);
  return planChunkGroups(manifest, record?.groupChunks ?? 10)
    .flatMap((s) => s.files)
    .filter((f) => f.file.startsWith("chunks/") && covered.get(f.file) !== f.sha256)
    .map((f) => f.file);
}

const placeOf = (target: string | ParityPlace) =>
  typeof target === "string" ? localParityPlace(target) : target;

/** Checks every recovery set of the archive (`target`: its directory, or a place). */
export async function checkParity(
  target: string | ParityPlace,
  onSet?: (h: SetHealth) => void,
): Promise<ParityReport> {
  const place = placeOf(target);
  await place.clean();
  const root = await place.store.list("");
  const sets: SetHealth[] = [];
  for (const name of discoverSets(root)) {
    try {
      const { health } = await inspect(place, root, name);
      onSet?.(health);
      sets.push(health);
    } finally {
      await place.release();
    }
  }
  const unprotected = await unprotectedChunks(place);
  await place.release();
  return { sets, unprotected };
}

/** What a repair run did. */
export interface ArchiveRepair {
  /** Health before the repair. */
  before: ParityReport;
  /** Files rebuilt. */
  repaired: string[];
  /** Sets that could not be repaired, with the reason. */
  failed: Array<{ name: string; reason: string }>;
  /** Sets whose damaged PAR2 files were rewritten from the (intact or repaired) data. */
  rewritten: string[];
}

/**
 * Repairs every recoverable set, then rewrites damaged PAR2 files of sets whose data is intact;
 * unrecoverable sets are reported and left untouched. Each rebuilt file is checked against its
 * MD5 before it replaces the damaged one (and, in object storage, uploaded only then).
 */
export async function repairArchive(
  target: string | ParityPlace,
  memoryBytes?: number,
): Promise<ArchiveRepair> {
  const place = placeOf(target);
  await place.clean();
  const root = await place.store.list("");
  const out: ArchiveRepair = {
    before: { sets: [], unprotected: await unprotectedChunks(place) },
    repaired: [],
    failed: [],
    rewritten: [],
  };
  for (const name of discoverSets(root)) {
    try {
      const { health: h, set, scans } = await inspect(place, root, name);
      out.before.sets.push(h);
      if (h.status !== "intact") {
        if (!set || !scans) {
          out.failed.push({ name: h.name, reason: `its PAR2 files are unreadable (${h.detail})` });
          continue;
        }
        try {
          const r = repairSet(set, scans, memoryBytes);
          await place.publish(r.repaired);
          out.repaired.push(...r.repaired);
        } catch (e) {
          if (!(e instanceof UnrecoverableError)) throw e;
          out.failed.push({ name: h.name, reason: e.message });
          continue;
        }
      }
      if (h.parityDamaged && set) {
        await rewriteSet(place, set, h.madeSlices);
        out.rewritten.push(h.name);
      }
    } finally {
      await place.release();
    }
  }
  await place.release();
  return out;
}

/** Recomputes a set's PAR2 files from its (now intact) files, with the same layout. */
async function rewriteSet(place: ParityPlace, set: RecoverySet, recovery: number): Promise<void> {
  const old = par2NamesOf(await place.store.list(""), set.name);
  const made = await createRecoverySet({
    dir: set.dir,
    name: set.name,
    files: set.files.map((f) => f.name),
    sliceSize: set.sliceSize,
    recovery: Math.max(recovery, 1),
    creator: PARITY_CREATOR,
  });
  await place.publish(made.files);
  for (const f of old) if (!made.files.includes(f)) await place.store.remove(f);
}
