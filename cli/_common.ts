/**
 * Shared CLI plumbing: user mistakes exit 2 with usage, data errors exit 1
 * with a one-line message, bugs keep their stack trace; a denied permission
 * says which flag to add.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { CorruptDataError } from "../lib/bytes/errors.ts";
import { LocalStore } from "../lib/store/local_store.ts";
import type { Store } from "../lib/store/store.ts";
import { isS3Url } from "../lib/store/s3_location.ts";
import { ArchiveError } from "../lib/archive/manifest.ts";
import {
  chainIndexMem,
  DEFAULT_PROCESS_MEM,
  MemoryBudgetError,
} from "../lib/index/index_memory.ts";

/** A mistake in how the command was called (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Output sinks, injectable for tests. */
export interface Io {
  /** Normal output (stdout). */
  out: (line: string) => void;
  /** Diagnostics (stderr). */
  err: (line: string) => void;
}

/** Console-backed {@link Io}. */
export const consoleIo: Io = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
};

/** `--help` / `-h` was given: {@link runCommand} prints the usage and exits 0. */
class HelpRequested extends Error {}

/**
 * Parses `args` strictly with node:util parseArgs; unknown flags are a {@link UsageError}.
 * Every command also takes `--help` / `-h` (handled by {@link runCommand}).
 */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  return parsed as ReturnType<
    typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
  >;
}

/** Parses a non-negative integer flag. */
export function intFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Parses a probability flag in [0, 1]. */
export function rateFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new UsageError(`--${name} must be between 0 and 1, got ${value}`);
  return n;
}

/** A percentage flag in (0, 100] ("10" or "10%") as a fraction. */
export function percentFlag(value: string | undefined, name: string, fallback: number): number {
  const pct = value === undefined ? fallback : Number(value.replace(/%$/, ""));
  if (!(pct > 0 && pct <= 100)) throw new UsageError(`--${name} must be a percentage in (0, 100]`);
  return pct / 100;
}

/** Byte sizes like 128MiB, 64k, 1000000. */
export function sizeFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)$/i.exec(value.trim());
  if (!m) throw new UsageError(`--${name}: cannot read size ${JSON.stringify(value)}`);
  const unit = m[2]!.toLowerCase();
  const mult = unit.startsWith("k")
    ? 1024
    : unit.startsWith("m")
    ? 1 << 20
    : unit.startsWith("g")
    ? 1 << 30
    : 1;
  return Math.round(Number(m[1]) * mult);
}

/**
 * The chain index's budget: from `--mem` (the whole process, default 1 GiB, for a process with
 * `extraWorkers` worker threads beyond its command's default; see `lib/index/index_memory.ts`)
 * or from `--index-mem` (the index's own part, as given).
 */
export function indexMemFlags(
  mem: string | undefined,
  indexMem: string | undefined,
  extraWorkers = 0,
): number {
  if (mem !== undefined && indexMem !== undefined) {
    throw new UsageError(
      "give --mem (the whole process) or --index-mem (the index's part), not both",
    );
  }
  if (indexMem !== undefined) return Math.max(1, sizeFlag(indexMem, "index-mem", 0));
  try {
    return chainIndexMem(sizeFlag(mem, "mem", DEFAULT_PROCESS_MEM), extraWorkers);
  } catch (e) {
    throw e instanceof MemoryBudgetError ? new UsageError(e.message) : e;
  }
}

/**
 * Throws a one-line error when `archive` is an `s3://` location: `what`
 * works on a local archive directory only.
 */
export function requireLocalArchive(archive: string, what: string): void {
  if (isS3Url(archive)) {
    throw new ArchiveError(
      `${what} works on a local archive directory, not on ${archive} (S3 archives support ` +
        `collect, get, export, verify, parity, and index and serve with --index-dir)`,
    );
  }
}

/**
 * Runs `body` holding the writer lock of the archive (a directory, or an
 * opened store) — one writer per archive.
 */
export async function withWriterLock<T>(
  archive: string | Store,
  body: () => Promise<T> | T,
): Promise<T> {
  const store = typeof archive === "string" ? new LocalStore(archive) : archive;
  const lock = await store.lock();
  try {
    return await body();
  } finally {
    await lock.release();
    if (typeof archive === "string") store.close();
  }
}

/** Explains a denied permission in one line. */
export function permissionHint(e: unknown): string | undefined {
  if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
    return undefined;
  }
  const msg = (e as Error).message;
  const m = /Requires (\w+) access to "([^"]+)"/.exec(msg);
  if (m) return `Permission denied: add --allow-${m[1]}=${m[2]} to the deno run line`;
  return `Permission denied: ${msg}`;
}

/**
 * Runs a command body with the exit-code policy: 0 ok, 1 data error,
 * 2 usage error; other errors are bugs and keep their stack trace.
 */
export async function runCommand(
  usage: string,
  body: () => Promise<number | void> | number | void,
  io: Io = consoleIo,
): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.out(usage);
      return 0;
    }
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n\n${usage}`);
      return 2;
    }
    const hint = permissionHint(e);
    if (hint) {
      io.err(`error: ${hint}`);
      return 1;
    }
    if (e instanceof CorruptDataError || e instanceof Deno.errors.NotFound || isDataError(e)) {
      io.err(`error: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

function isDataError(e: unknown): boolean {
  return e instanceof Error &&
    [
      "ReorgTooDeepError",
      "ChecksumMismatchError",
      "ArchiveError",
      "ArchiveLockedError",
      "DamagedInputError",
      "SnapshotError",
      "S3ConfigError",
      "S3RequestError",
      "S3UnavailableError",
    ].includes(
      e.name,
    );
}
