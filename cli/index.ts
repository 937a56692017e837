/**
 * `deno task index --archive DIR`: runs the chain-wide (UTXO) rules over an
 * archive and builds or extends its indexes (txid → transaction, outpoint →
 * output and spender, the UTXO set), so that `deno task get --txid` and
 * `--outpoint` work. Resumable after kill -9 from its last A/B checkpoint.
 *
 * @module
 */

import { buildChainIndex } from "../lib/index/build_index.ts";
import { bytes, count, duration, mib } from "./_format.ts";
import {
  consoleIo,
  indexMemFlags,
  intFlag,
  type Io,
  parse,
  runCommand,
  UsageError,
  withWriterLock,
} from "./_common.ts";
import { MIN_PROCESS_MEM, PER_EXTRA_WORKER, PROCESS_RESERVE } from "../lib/index/index_memory.ts";
import { DEFAULT_INDEX_MEM } from "../lib/index/chain_indexer.ts";
import { isS3Url } from "../lib/store/s3_location.ts";

const USAGE =
  `usage: deno task index --archive DIR|s3://BUCKET/PREFIX [--index-dir DIR] [--mem SIZE] [--json]

Checks every block of the archive against the chain-wide rules (inputs exist and are unspent,
coinbase maturity, input/output values, coinbase amount, BIP30) and builds or extends the indexes
(index/: txid, spend and UTXO segments, txnum.idx, A/B checkpoints), from the height it reached
last time to the archive's tip. Run it again after collect to extend it. Scripts and signatures
are not executed.

  --archive DIR       the archive (a directory, or s3://bucket/prefix with --index-dir)
  --index-dir DIR     keep the index in this local directory instead of the archive's (required
                      for s3://; give the same DIR to serve and get)
  --mem SIZE          memory budget of the whole process (default 1GiB, at least ${
    mib(MIN_PROCESS_MEM)
  },
                      ${
    mib(PER_EXTRA_WORKER)
  } more per worker above 1): the chain index gets what the
                      process leaves of it (${
    mib(DEFAULT_INDEX_MEM)
  } of 1GiB) and the UTXO set spills to disk
  --index-mem SIZE    instead of --mem: the chain index's own budget (the process takes
                      ≈${mib(PROCESS_RESERVE)} more)
  --checkpoint-every N  transactions + inputs between checkpoints (default from --mem)
  --workers N         threads for the per-block checks, ahead of the chain-wide rules (default 1;
                      0: on the main thread)
  --json              machine-readable summary

Progress is shown on a terminal; Ctrl-C stops at the next block after writing a checkpoint.
Exit status: 0 indexed to the tip, 1 a block breaks a rule (the index ends before it) or an error.`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      archive: { type: "string" },
      mem: { type: "string" },
      "index-mem": { type: "string" },
      "checkpoint-every": { type: "string" },
      "index-dir": { type: "string" },
      workers: { type: "string" },
      json: { type: "boolean" },
    });
    const dir = values.archive;
    if (!dir) throw new UsageError("--archive is required");
    const indexDir = values["index-dir"];
    if (isS3Url(dir) && !indexDir) {
      throw new UsageError(
        `--index-dir DIR is required for ${dir}: the chain index is local files (serve and get ` +
          "take the same --index-dir)",
      );
    }
    const workers = intFlag(values.workers, "workers", 1);
    const memBytes = indexMemFlags(values.mem, values["index-mem"], workers - 1);
    const every = values["checkpoint-every"] === undefined
      ? undefined
      : Math.max(1, intFlag(values["checkpoint-every"], "checkpoint-every", 0));
    if (!isS3Url(dir)) Deno.statSync(`${dir}/manifest.json`); // a clear NotFound before writing
    if (indexDir) Deno.mkdirSync(indexDir, { recursive: true });
    const t0 = performance.now();
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    Deno.addSignalListener("SIGINT", onSignal);
    try {
      // One writer per index: the archive's lock, or the separate index directory's.
      return await withWriterLock(indexDir ?? dir, async () => {
        let last = 0;
        const enc = new TextEncoder();
        const tty = !values.json && Deno.stderr.isTerminal();
        const r = await buildChainIndex(dir, {
          indexDir,
          memBytes,
          checkpointEvery: every,
          validationWorkers: workers,
          signal: abort.signal,
          onBlock: tty
            ? (h, tip) => {
              const now = performance.now();
              if (now - last < 500 && h < tip) return;
              last = now;
              const line =
                `  height ${h}/${tip} (${((100 * h) / Math.max(tip, 1)).toFixed(1)}%), ` +
                `${duration((now - t0) / 1000)}`;
              Deno.stderr.writeSync(enc.encode(`\r${line.padEnd(60)}${h === tip ? "\n" : ""}`));
            }
            : undefined,
        });
        const seconds = (performance.now() - t0) / 1000;
        if (values.json) io.out(JSON.stringify({ ...r, indexMem: memBytes, seconds }));
        else {
          io.out(
            `index: heights ${r.from}..${r.to} connected (${count(r.txs)} transactions, ` +
              `${count(r.inputs)} inputs) in ${duration(seconds)}` +
              (seconds > 0 && r.txs > 0 ? ` (${count(Math.round(r.txs / seconds))} tx/s)` : "") +
              `; ${count(r.totalTxs)} transactions indexed, ${bytes(r.indexBytes)}`,
          );
        }
        if (r.validationNote) io.err(`note: ${r.validationNote}`);
        if (r.snapshotBasePending) {
          io.err(
            `warning: the snapshot's base block ${r.snapshotBasePending} is not in the archive ` +
              `yet: no block was checked against the chain-wide rules; collect more blocks`,
          );
        }
        if (r.rejected) {
          const x = r.rejected;
          io.err(
            `error: block ${x.hash} at height ${x.height} breaks a chain-wide rule: ${x.code} ` +
              `(${x.detail}); the index ends at height ${x.height - 1}`,
          );
          return 1;
        }
        return 0;
      });
    } finally {
      Deno.removeSignalListener("SIGINT", onSignal);
    }
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
