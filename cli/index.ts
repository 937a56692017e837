/**
 * `deno task index --archive DIR`: builds or extends the archive's txid
 * index (txid → block height and position; ≈14 bytes per transaction), so
 * that `deno task get --txid` can find transactions. Resumable after kill -9.
 *
 * @module
 */

import { buildTxidIndex } from "../lib/index/txid_index.ts";
import { bytes, count, duration } from "./_format.ts";
import {
  consoleIo,
  intFlag,
  type Io,
  parse,
  runCommand,
  UsageError,
  withWriterLock,
} from "./_common.ts";

const USAGE = `usage: deno task index --archive DIR [--json]

Builds or extends the txid index of an archive (index/txid-*.seg, index/txnum.idx), from the
height it reached last time to the archive's tip. Run it again after collect to extend it.

  --archive DIR   the archive
  --batch N       transactions per sorted segment written (default 4000000; memory ≈ 12 B each)
  --json          machine-readable summary`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      archive: { type: "string" },
      batch: { type: "string" },
      json: { type: "boolean" },
    });
    const dir = values.archive;
    if (!dir) throw new UsageError("--archive is required");
    Deno.statSync(`${dir}/manifest.json`); // a clear NotFound before anything is written
    const t0 = performance.now();
    return await withWriterLock(dir, async () => {
      const r = await buildTxidIndex(dir, {
        batchEntries: intFlag(values.batch, "batch", 4_000_000) || 1,
      });
      const seconds = (performance.now() - t0) / 1000;
      if (values.json) io.out(JSON.stringify({ ...r, seconds }));
      else {
        io.out(
          `txid index: heights ${r.from}..${r.to} added (${count(r.txs)} transactions) in ` +
            `${duration(seconds)}; ${count(r.totalTxs)} transactions, ${bytes(r.indexBytes)} ` +
            `(${
              r.totalTxs > 0 ? (r.indexBytes / r.totalTxs).toFixed(1) : "0"
            } bytes per transaction)`,
        );
      }
      return 0;
    });
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
