/**
 * `deno task recompress --archive DIR --level N [--cold DAYS]`: rewrites
 * cold sealed chunks at another zstd level (seek tables, index, manifest
 * checksums and parity stay valid).
 *
 * @module
 */

import { recompressArchive } from "../lib/archive/recompress_archive.ts";
import { readParityRecord } from "../lib/parity/archive_parity.ts";
import { protectArchive } from "../lib/parity/protect_archive.ts";
import { LocalStore } from "../lib/store/local_store.ts";
import { recordsAccessTimes } from "../lib/store/scan_open.ts";
import { bytes, duration } from "./_format.ts";
import {
  consoleIo,
  intFlag,
  type Io,
  parse,
  requireLocalArchive,
  runCommand,
  UsageError,
  withWriterLock,
} from "./_common.ts";

const USAGE = `usage: deno task recompress --archive DIR --level N [--cold DAYS] [--json]

Rewrites sealed chunks at zstd level N (frames, index and contents unchanged), then brings the
archive's parity up to date.

  --archive DIR   the archive
  --level N       zstd level 1..22 (e.g. 19)
  --cold DAYS     only chunks no one has read for DAYS days with get, export or serve (the
                  file's access time; verify, parity and index passes leave it alone); refused
                  on a file system mounted noatime, which does not record reads; default: all
  --json          machine-readable report`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      archive: { type: "string" },
      level: { type: "string" },
      cold: { type: "string" },
      json: { type: "boolean" },
    });
    const dir = values.archive;
    if (!dir) throw new UsageError("--archive is required");
    requireLocalArchive(dir, "recompress");
    if (values.level === undefined) throw new UsageError("--level is required");
    const level = intFlag(values.level, "level", 0);
    if (level < 1 || level > 22) throw new UsageError("--level must be 1..22");
    const coldDays = values.cold === undefined ? null : intFlag(values.cold, "cold", 0);
    const now = Date.now();
    const isCold = (file: string) => {
      if (coldDays === null) return true;
      const st = Deno.statSync(`${dir}/${file}`);
      const last = (st.atime ?? st.mtime)?.getTime() ?? 0;
      return now - last >= coldDays * 86_400_000;
    };
    Deno.statSync(`${dir}/manifest.json`); // a clear NotFound before anything is written
    if (coldDays !== null && !recordsAccessTimes(dir)) {
      io.err(
        `error: ${dir} is on a file system mounted noatime, which does not record when chunks ` +
          `are read, so --cold cannot tell cold chunks from hot ones: remount it with relatime ` +
          `(the default), or leave out --cold to recompress every sealed chunk`,
      );
      return 1;
    }
    const t0 = performance.now();
    return await withWriterLock(dir, async () => {
      const store = new LocalStore(dir, { scan: true });
      const done = await recompressArchive(store, {
        level,
        select: (c) => isCold(c.file),
        onChunk: values.json
          ? undefined
          : (c) => io.out(`chunk ${c.id}: ${bytes(c.before)} → ${bytes(c.after)}`),
      });
      // Always, not only when a chunk changed: a run killed after its last
      // chunk but before its parity leaves sets for this one to finish.
      const parity = (await readParityRecord(store)) ? await protectArchive(dir) : null;
      store.close();
      const before = done.reduce((n, c) => n + c.before, 0);
      const after = done.reduce((n, c) => n + c.after, 0);
      const seconds = (performance.now() - t0) / 1000;
      if (values.json) io.out(JSON.stringify({ chunks: done, before, after, seconds, parity }));
      else {
        io.out(
          `${done.length} chunk(s) recompressed at level ${level}: ${bytes(before)} → ` +
            `${bytes(after)} (${before > 0 ? ((1 - after / before) * 100).toFixed(1) : "0"}% ` +
            `smaller) in ${duration(seconds)}` +
            (parity ? `; parity: ${parity.created.length} set(s) recomputed` : ""),
        );
      }
      return 0;
    });
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
