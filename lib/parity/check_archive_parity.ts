/**
 * `checkParity` (`deno task parity verify`) and `repairArchive`
 * (`deno task parity repair`): every recovery set found in the archive is
 * loaded from whatever PAR2 files survive and its files are checked slice by
 * slice: intact, damaged but recoverable (missing vs available slices), or
 * unrecoverable. Repair rebuilds what can be rebuilt — each file into a
 * temporary, checked against its MD5, then renamed over the damaged one —
 * and leaves every file of an unrecoverable set as it was.
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
import { repairSet, UnrecoverableError } from "./par2_repair.ts";
import { createRecoverySet } from "./par2_create.ts";
import {
  type FileScan,
  loadRecoverySet,
  par2FilesOf,
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

function inspect(dir: string, name: string): Inspected {
  let set: RecoverySet;
  try {
    set = loadRecoverySet(dir, name);
  } catch (e) {
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
        detail: (e as Error).message,
      },
    };
  }
  const scans = scanFiles(set);
  return { health: judge(name, set, scans), set, scans };
}

/** Chunk files that no recorded set covers with their current content. */
function unprotectedChunks(dir: string): string[] {
  let manifest;
  try {
    manifest = readManifest(dir);
  } catch {
    return []; // a damaged manifest is reported by the metadata set
  }
  const record = readParityRecord(dir);
  const covered = new Map<string, string>();
  for (const s of record?.sets ?? []) for (const f of s.files) covered.set(f.file, f.sha256);
  return planChunkGroups(manifest, record?.groupChunks ?? 10)
    .flatMap((s) => s.files)
    .filter((f) => f.file.startsWith("chunks/") && covered.get(f.file) !== f.sha256)
    .map((f) => f.file);
}

function inspectAll(dir: string, onSet?: (h: SetHealth) => void): Inspected[] {
  return discoverSets(dir).map((name) => {
    const found = inspect(dir, name);
    onSet?.(found.health);
    return found;
  });
}

/** Checks every recovery set of the archive at `dir`. */
export function checkParity(dir: string, onSet?: (h: SetHealth) => void): ParityReport {
  return { sets: inspectAll(dir, onSet).map((i) => i.health), unprotected: unprotectedChunks(dir) };
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
 * unrecoverable sets are reported and left untouched.
 */
export async function repairArchive(dir: string, memoryBytes?: number): Promise<ArchiveRepair> {
  removeLeftovers(dir);
  const found = inspectAll(dir);
  const before = { sets: found.map((i) => i.health), unprotected: unprotectedChunks(dir) };
  const out: ArchiveRepair = { before, repaired: [], failed: [], rewritten: [] };
  for (const { health: h, set, scans } of found) {
    if (h.status === "intact") continue;
    if (!set || !scans) {
      out.failed.push({ name: h.name, reason: `its PAR2 files are unreadable (${h.detail})` });
      continue;
    }
    try {
      // Sets can overlap (a user's own PAR2 set beside blkpipe's): a file an earlier set rebuilt
      // makes this set's scan stale.
      const stale = scans.some((s) => s.status !== "ok" && out.repaired.includes(s.name));
      const r = repairSet(set, stale ? scanFiles(set) : scans, memoryBytes);
      out.repaired.push(...r.repaired);
    } catch (e) {
      if (!(e instanceof UnrecoverableError)) throw e;
      out.failed.push({ name: h.name, reason: e.message });
    }
  }
  for (const { health: h, set } of found) {
    if (!h.parityDamaged || !set || out.failed.some((f) => f.name === h.name)) continue;
    await rewriteSet(dir, set, h.madeSlices);
    out.rewritten.push(h.name);
  }
  return out;
}

/** Temporary files of killed repairs and creates (never in place of a real file). */
function removeLeftovers(dir: string): void {
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory && !rel) walk(path);
      else if (e.isFile && (e.name.endsWith(".repair.tmp") || /^parity-.*\.tmp$/.test(e.name))) {
        Deno.removeSync(`${dir}/${path}`);
      }
    }
  };
  walk("");
}

/** Recomputes a set's PAR2 files from its (now intact) files, with the same layout. */
async function rewriteSet(dir: string, set: RecoverySet, recovery: number): Promise<void> {
  const old = par2FilesOf(dir, set.name);
  const made = await createRecoverySet({
    dir,
    name: set.name,
    files: set.files.map((f) => f.name),
    sliceSize: set.sliceSize,
    recovery: Math.max(recovery, 1),
    creator: PARITY_CREATOR,
  });
  for (const f of old) if (!made.files.includes(f)) Deno.removeSync(`${dir}/${f}`);
}
