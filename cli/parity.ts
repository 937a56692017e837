/**
 * `deno task parity create|verify|repair --archive DIR`: PAR2 recovery data
 * for an archive — computed for what is not yet protected, checked, and used
 * to rebuild damaged or missing files.
 *
 * @module
 */

import { PARITY_DEFAULTS } from "../lib/parity/archive_parity.ts";
import {
  checkParity,
  type ParityReport,
  repairArchive,
  type SetHealth,
} from "../lib/parity/check_archive_parity.ts";
import { protectArchive } from "../lib/parity/protect_archive.ts";
import { type ParityPlace, stagedParityPlace } from "../lib/parity/parity_place.ts";
import { openStore } from "../lib/store/open_store.ts";
import { isS3Url } from "../lib/store/s3_location.ts";
import { bytes, duration } from "./_format.ts";
import {
  consoleIo,
  type Io,
  parse,
  percentFlag,
  runCommand,
  UsageError,
  withWriterLock,
} from "./_common.ts";

const USAGE =
  `usage: deno task parity (create|verify|repair) --archive DIR|s3://BUCKET/PREFIX [options]

  create        compute PAR2 recovery data for every group of sealed chunks and for the
                metadata (manifest, index, rejects, resume record) not yet protected
  verify        health of every recovery set: intact, damaged but recoverable, unrecoverable
  repair        rebuild damaged or missing files byte-exactly (each checked, then replaced)

  --archive DIR       the archive (a directory, or s3://bucket/prefix)
  --stage DIR         s3:// archives: a local directory where one recovery set at a time is
                      copied and worked on (room for one group of chunks; required)
  --redundancy PCT    recovery data in percent of the protected data (create;
                      default: as the archive records, else 10)
  --json              machine-readable report
  --quiet             no progress lines

The PAR2 files (parity-*.par2 at the archive's root) are standard: \`par2 verify\` and
\`par2 repair\` work on them too.`;

function healthLine(h: SetHealth): string {
  const what = h.damaged.map((d) => `${d.file} ${d.status} (${d.badSlices} slices)`).join(", ");
  switch (h.status) {
    case "intact":
      return h.parityDamaged
        ? `${h.name}: data intact, RECOVERY FILES DAMAGED (${h.availableSlices} of ${h.madeSlices} ` +
          "recovery slices readable): run `deno task parity repair` to rewrite them"
        : `${h.name}: intact (${h.inputSlices} slices, ${h.availableSlices} recovery)`;
    case "recoverable":
      return `${h.name}: DAMAGED, recoverable — ${h.missingSlices} of ${h.inputSlices} slices to ` +
        `rebuild, ${h.availableSlices} recovery slices available: ${what}`;
    case "unrecoverable":
      return `${h.name}: UNRECOVERABLE — ${h.missingSlices} slices damaged or missing, only ` +
        `${h.availableSlices} recovery slices: ${what}`;
    default:
      return `${h.name}: UNREADABLE recovery files — ${h.detail}`;
  }
}

function printReport(io: Io, r: ParityReport): void {
  for (const h of r.sets) io.out(healthLine(h));
  if (r.unprotected.length > 0) {
    io.out(`not yet protected: ${r.unprotected.join(", ")} (run \`deno task parity create\`)`);
  }
}

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values, positionals } = parse(args, {
      archive: { type: "string" },
      redundancy: { type: "string" },
      stage: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    });
    const command = positionals[0];
    if (!command || !["create", "verify", "repair"].includes(command)) {
      throw new UsageError("give one of create, verify, repair");
    }
    const dir = values.archive;
    if (!dir) throw new UsageError("--archive is required");
    let target: string | ParityPlace = dir;
    if (isS3Url(dir)) {
      if (!values.stage) {
        throw new UsageError(
          `--stage DIR is required for ${dir}: parity works on a local copy of one recovery set ` +
            "at a time",
        );
      }
      target = stagedParityPlace(openStore(dir, { stage: values.stage }), values.stage);
    }
    // Absent: the archive's recorded layout (else the default) — a rerun
    // without the flag never recomputes every set at another redundancy.
    const redundancy = values.redundancy === undefined
      ? undefined
      : percentFlag(values.redundancy, "redundancy", PARITY_DEFAULTS.redundancy * 100);
    const o: CommandOptions = {
      dir,
      target,
      redundancy,
      json: values.json ?? false,
      progress: !values.json && !values.quiet && Deno.stderr.isTerminal(),
      io,
    };
    if (command === "verify") return verifyCommand(o);
    // create and repair write into the archive: one writer per archive.
    return await withWriterLock(
      typeof target === "string" ? dir : target.store,
      () => command === "create" ? createCommand(o) : repairCommand(o),
    );
  }, io);
}

interface CommandOptions {
  dir: string;
  /** The archive directory, or the place of an archive in object storage. */
  target: string | ParityPlace;
  redundancy: number | undefined;
  json: boolean;
  progress: boolean;
  io: Io;
}

/** A terminal progress line for one set: bytes read, MB/s, then a note while recovery finishes. */
function progressLine(t0: number): (done: number, total: number) => void {
  // (t0 restarts with each set)
  let last = 0, previous = 0;
  const enc = new TextEncoder();
  return (done, total) => {
    const now = performance.now();
    if (done < previous) t0 = now; // a new set
    previous = done;
    if (done < total && now - last < 250) return;
    last = now;
    const rate = done / 1e6 / Math.max((now - t0) / 1000, 1e-3);
    const text = done < total
      ? `  read ${((100 * done) / total).toFixed(0)}% of ${bytes(total)} (${rate.toFixed(0)} MB/s)`
      : `  read ${bytes(total)}; finishing the recovery data …`;
    Deno.stderr.writeSync(enc.encode(`\r${text.padEnd(70)}${done < total ? "" : "\n"}`));
  };
}

async function createCommand(
  { target, redundancy, json, progress, io }: CommandOptions,
): Promise<number> {
  const t0 = performance.now();
  const r = await protectArchive(target, {
    ...(redundancy === undefined ? {} : { redundancy }),
    onSet: progress ? (name, i, n) => io.err(`computing ${name} (${i + 1}/${n})`) : undefined,
    onProgress: progress ? progressLine(performance.now()) : undefined,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (json) io.out(JSON.stringify({ ...r, seconds }));
  else {
    io.out(
      `parity: ${r.created.length} set(s) computed, ${r.upToDate.length} up to date; ` +
        `${bytes(r.protectedBytes)} protected with ${bytes(r.recoveryBytes)} of recovery data ` +
        `in ${duration(seconds)}`,
    );
  }
  return 0;
}

async function verifyCommand({ target, json, progress, io }: CommandOptions): Promise<number> {
  const r = await checkParity(target, progress ? (h) => io.err(healthLine(h)) : undefined);
  if (json) io.out(JSON.stringify(r));
  else printReport(io, r);
  return r.sets.every((s) => s.status === "intact" && !s.parityDamaged) ? 0 : 1;
}

async function repairCommand({ target, json, io }: CommandOptions): Promise<number> {
  // Each rebuilt file is checked against its MD5 before it replaces the damaged one, and
  // rewritten recovery files are new: no second scan of the whole archive is needed.
  const r = await repairArchive(target);
  if (json) io.out(JSON.stringify(r));
  else {
    for (const h of r.before.sets.filter((s) => s.status !== "intact")) {
      io.out(`found ${healthLine(h)}`);
    }
    for (const f of r.repaired) io.out(`repaired ${f}`);
    for (const n of r.rewritten) io.out(`rewrote the recovery files of ${n}`);
    for (const f of r.failed) {
      io.out(`NOT REPAIRED ${f.name}: ${f.reason} (files left as they were)`);
    }
    if (r.before.sets.every((s) => s.status === "intact" && !s.parityDamaged)) {
      io.out("nothing to repair: every set is intact");
    }
  }
  return r.failed.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
