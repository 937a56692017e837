/**
 * `deno task verify`: checks a whole archive and lists every problem.
 *
 * @module
 */

import { verifyCollected } from "../lib/collect/verify_collected.ts";
import type { CheckLevel } from "../lib/validate/check_block.ts";
import { bytes, count, duration, table } from "./_format.ts";
import { consoleIo, type Io, parse, runCommand, UsageError } from "./_common.ts";

const USAGE = `usage: deno task verify --archive DIR [--check LEVEL] [--json]

Checks every chunk (SHA-256), seek table, frame (size, XXH64), block (re-validated and linked) and
index record of an archive. Lists every problem found; exits 1 if there is any.

  --archive DIR   the archive (or give it as the only argument)
  --check LEVEL   framing, headers or full (default full)
  --json          machine-readable report`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values, positionals } = parse(args, {
      archive: { type: "string" },
      check: { type: "string" },
      json: { type: "boolean" },
    });
    const dir = values.archive ?? positionals[0];
    if (!dir) throw new UsageError("--archive is required");
    const level = (values.check ?? "full") as CheckLevel;
    if (!["framing", "headers", "full"].includes(level)) {
      throw new UsageError("--check must be framing, headers or full");
    }
    const t0 = performance.now();
    const report = await verifyCollected(dir, { level });
    const seconds = (performance.now() - t0) / 1000;
    if (values.json) io.out(JSON.stringify({ ...report, seconds }));
    else {
      for (const p of report.problems) io.out(`PROBLEM ${p.code}: ${p.where}: ${p.detail}`);
      io.out(
        `${
          report.problems.length === 0 ? "OK" : `${report.problems.length} problem(s)`
        }: ${dir}\n` + table([
          ["chunks", count(report.chunks)],
          ["frames", count(report.frames)],
          ["blocks", `${count(report.blocks)} (validated at ${level})`],
          ["data", bytes(report.rawBytes)],
          ["rejects.jsonl lines", count(report.rejects)],
          ["time", duration(seconds)],
        ]),
      );
    }
    return report.problems.length === 0 ? 0 : 1;
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
