/**
 * `deno task collect`: blocks directory → verified, compressed, indexed,
 * resumable archive.
 *
 * @module
 */

import { fromHex } from "../lib/bytes/hex.ts";
import { networkByName, type NetworkParams } from "../lib/bitcoin/network.ts";
import {
  collect,
  type CollectProgress,
  type CollectSummary,
  DEFAULT_CHECKPOINT_BYTES,
} from "../lib/collect/collect.ts";
import { isS3Url } from "../lib/store/s3_location.ts";
import { ARCHIVE_DEFAULTS, type ChunkPolicy } from "../lib/archive/manifest.ts";
import { readXorKey } from "../lib/source/blk_files.ts";
import type { CheckLevel } from "../lib/validate/check_block.ts";
import { defaultCollectWorkersHere } from "../lib/collect/default_workers.ts";
import { bytes, count, duration, mib, table } from "./_format.ts";
import {
  consoleIo,
  indexMemFlags,
  intFlag,
  type Io,
  parse,
  percentFlag,
  runCommand,
  sizeFlag,
  UsageError,
} from "./_common.ts";
import { MIN_PROCESS_MEM, PER_EXTRA_WORKER, PROCESS_RESERVE } from "../lib/index/index_memory.ts";
import { DEFAULT_INDEX_MEM } from "../lib/index/chain_indexer.ts";

const USAGE = `usage: deno task collect [--blocks DIR] --out DIR [options]

Reads Bitcoin Core block files, puts the blocks in chain order, validates them and writes a
compressed, indexed archive. Run it again to resume after an interruption or to append new blocks.

  --blocks DIR        Bitcoin Core blocks directory (default: ~/.bitcoin/blocks for the network)
  --out DIR           archive directory (new, empty, or an existing archive)
  --network NAME      mainnet, testnet3, testnet4, signet, regtest (default: from the files)
  --xor-key HEX       16 hex digits; overrides blocks/xor.dat (Bitcoin Core 28+)
  --chunk-blocks N    blocks per chunk (default 125000)
  --chunk-bytes SIZE  or: uncompressed bytes per chunk, e.g. 4GiB
  --frame-size SIZE   uncompressed bytes per zstd frame (default 2MiB)
  --level N           zstd level (default 3)
  --stage DIR         build the open chunk here (a faster disk); sealed chunks move to --out
                      (required for --out s3://bucket/prefix: each sealed chunk is uploaded)
  --from-height N     first height to archive (new archives only)
  --to-height N       stop after this height
  --check LEVEL       framing, headers, full (default) or utxo: full plus the chain-wide rules
                      (inputs exist and are unspent, values, coinbase amount, BIP30), keeping
                      the txid/outpoint indexes in step (scripts are not executed)
  --mem SIZE          with --check utxo: memory budget of the whole process (default 1GiB, at
                      least ${mib(MIN_PROCESS_MEM)}, ${
  mib(PER_EXTRA_WORKER)
} more per worker above 2; the chain index
                      gets what the process leaves: ${mib(DEFAULT_INDEX_MEM)} of 1GiB)
  --index-mem SIZE    instead of --mem: the chain index's own budget (the process takes ≈${
  mib(PROCESS_RESERVE)
} more)
  --utxo-snapshot FILE  with --check utxo: start from this UTXO snapshot (Bitcoin Core's
                      dumptxoutset or blkpipe's), as assumeutxo does: blocks up to its base
                      get the checks of --check full, later blocks the chain-wide rules
  --depth N           reorganisation depth: heights are final this deep (default 6); the last N
                      blocks are archived by a later run, once buried
  --include-tip       archive them now too (a block set that will not change, e.g. a copy)
  --workers N         worker threads (default: one per core, at most 8; 2 at --check utxo);
                      each checks blocks and compresses frames
  --checkpoint SIZE   record a resume point after this much data (default 32MiB; 64MiB on s3://)
  --redundancy PCT    PAR2 recovery data for sealed chunks and metadata (default:
                      as the archive records, else 10)
  --no-parity         do not compute parity at the end of the run
  --json              machine-readable summary on stdout, no progress
  --quiet             no progress line`;

function defaultBlocksDir(network: NetworkParams): string {
  let home: string | undefined;
  try {
    home = Deno.env.get("HOME");
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(
        "no --blocks given: pass --blocks DIR, or add --allow-env=HOME to find ~/.bitcoin",
      );
    }
    throw e;
  }
  const sub = network.dataSubdir ? `/${network.dataSubdir}` : "";
  const dir = `${home}/.bitcoin${sub}/blocks`;
  try {
    Deno.statSync(dir);
  } catch {
    throw new UsageError(
      `no --blocks given and ${dir} does not exist: pass --blocks DIR, or try \`deno task demo\``,
    );
  }
  return dir;
}

function progressLine(p: CollectProgress, network: string): string {
  const rate = p.blocks / Math.max(p.seconds, 1e-3);
  const readRate = p.readBytes / Math.max(p.seconds, 1e-3);
  const writeRate = p.storedBytes / Math.max(p.seconds, 1e-3);
  const ratio = p.storedBytes > 0 ? (p.rawBytes / p.storedBytes).toFixed(3) : "-";
  const eta = readRate > 0 ? (p.totalBytes - p.readBytes) / readRate : Infinity;
  return `${network} height ${count(p.height)} | ${rate.toFixed(0)} blocks/s | read ${
    bytes(readRate)
  }/s | ` +
    `write ${bytes(writeRate)}/s | ratio ${ratio} | ETA ${duration(eta)}`;
}

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      blocks: { type: "string" },
      out: { type: "string" },
      network: { type: "string" },
      "xor-key": { type: "string" },
      "chunk-blocks": { type: "string" },
      "chunk-bytes": { type: "string" },
      "frame-size": { type: "string" },
      level: { type: "string" },
      stage: { type: "string" },
      "from-height": { type: "string" },
      "to-height": { type: "string" },
      check: { type: "string" },
      depth: { type: "string" },
      "include-tip": { type: "boolean" },
      workers: { type: "string" },
      checkpoint: { type: "string" },
      redundancy: { type: "string" },
      mem: { type: "string" },
      "index-mem": { type: "string" },
      "utxo-snapshot": { type: "string" },
      "no-parity": { type: "boolean" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    });
    if (!values.out) throw new UsageError("--out is required");
    const network = values.network ? networkByNameOrUsage(values.network) : undefined;
    const blocks = values.blocks ?? defaultBlocksDir(network ?? networkByName("mainnet"));
    let xorKey: Uint8Array | undefined;
    if (values["xor-key"] !== undefined) {
      try {
        xorKey = fromHex(values["xor-key"]);
      } catch (e) {
        throw new UsageError(`--xor-key: ${(e as Error).message}`);
      }
      if (xorKey.length !== 8) throw new UsageError("--xor-key needs 16 hex digits (8 bytes)");
    } else xorKey = readXorKey(blocks);
    if (values["chunk-blocks"] && values["chunk-bytes"]) {
      throw new UsageError("use either --chunk-blocks or --chunk-bytes");
    }
    const chunkPolicy: ChunkPolicy = values["chunk-bytes"]
      ? { bytes: sizeFlag(values["chunk-bytes"], "chunk-bytes", 0) }
      : values["chunk-blocks"] !== undefined
      ? { blocks: intFlag(values["chunk-blocks"], "chunk-blocks", 0) }
      : ARCHIVE_DEFAULTS.chunkPolicy;
    if (("blocks" in chunkPolicy ? chunkPolicy.blocks : chunkPolicy.bytes) < 1) {
      throw new UsageError("chunk size must be positive");
    }
    const level = intFlag(values.level, "level", ARCHIVE_DEFAULTS.zstdLevel);
    if (level < 1 || level > 22) throw new UsageError("--level must be 1..22");
    const check = (values.check ?? "full") as CheckLevel;
    if (!["framing", "headers", "full", "utxo"].includes(check)) {
      throw new UsageError("--check must be framing, headers, full or utxo");
    }
    const workers = Math.max(
      1,
      intFlag(values.workers, "workers", defaultCollectWorkersHere(check)),
    );
    for (const flag of ["mem", "index-mem"] as const) {
      if (values[flag] !== undefined && check !== "utxo") {
        throw new UsageError(
          `--${flag} needs --check utxo (the budget of the chain index; collect at --check ${check} ` +
            "keeps no index and its memory does not depend on the chain's length)",
        );
      }
    }
    if (values["utxo-snapshot"] !== undefined && check !== "utxo") {
      throw new UsageError("--utxo-snapshot needs --check utxo");
    }
    const tty = Deno.stderr.isTerminal() && !values.json && !values.quiet;
    const abort = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) Deno.exit(130);
      io.err("\ninterrupt: finishing the current frame (press Ctrl-C again to stop at once)");
      abort.abort();
    };
    try {
      Deno.addSignalListener("SIGINT", onSigint);
    } catch {
      // signals unavailable (e.g. Windows without a console)
    }
    let net = network?.name ?? "";
    let summary: CollectSummary;
    try {
      summary = await collect({
        blocks,
        out: values.out,
        stage: values.stage,
        network,
        xorKey,
        chunkPolicy,
        frameBytes: sizeFlag(values["frame-size"], "frame-size", ARCHIVE_DEFAULTS.frameBytes),
        level,
        fromHeight: intFlag(values["from-height"], "from-height", 0),
        ...(values["to-height"] !== undefined
          ? { toHeight: intFlag(values["to-height"], "to-height", 0) }
          : {}),
        checkLevel: check,
        index: {
          memBytes: check === "utxo"
            ? indexMemFlags(values.mem, values["index-mem"], workers - 2)
            : undefined,
          utxoSnapshot: values["utxo-snapshot"],
        },
        depth: intFlag(values.depth, "depth", 6),
        includeTip: values["include-tip"] ?? false,
        workers,
        // On S3 every resume point uploads the height index whole: fewer of them by default.
        checkpointBytes: sizeFlag(
          values.checkpoint,
          "checkpoint",
          isS3Url(values.out) ? 64 << 20 : DEFAULT_CHECKPOINT_BYTES,
        ),
        parity: values["no-parity"]
          ? false
          : values.redundancy === undefined
          ? {}
          : { redundancy: percentFlag(values.redundancy, "redundancy", 10) },
        signal: abort.signal,
        onProgress: tty
          ? (p) => {
            const line = progressLine(p, net);
            Deno.stderr.writeSync(new TextEncoder().encode(`\r${line.padEnd(120).slice(0, 140)}`));
          }
          : undefined,
      });
    } catch (e) {
      throw explainIoError(e, values.out);
    } finally {
      try {
        Deno.removeSignalListener("SIGINT", onSigint);
      } catch {
        // not registered
      }
    }
    net = summary.network;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r" + " ".repeat(140) + "\r"));
    if (values.json) {
      io.out(JSON.stringify(summary));
    } else if (!values.quiet) {
      const ratio = summary.storedBytes > 0
        ? (summary.rawBytes / summary.storedBytes).toFixed(3)
        : "-";
      io.out(
        `${summary.interrupted ? "interrupted — run the same command again to resume" : "done"}: ` +
          `${values.out} (${summary.network})\n` + table([
            [
              "archive tip",
              summary.tip ? `${count(summary.tip.height)} ${summary.tip.hash}` : "(empty)",
            ],
            [
              "blocks archived",
              `${count(summary.blocks)} this run${summary.resumed ? " (resumed)" : ""}`,
            ],
            ["read", `${bytes(summary.readBytes)} of ${bytes(summary.totalBytes)}`],
            [
              "archived",
              `${bytes(summary.rawBytes)} → ${bytes(summary.storedBytes)} (ratio ${ratio})`,
            ],
            [
              "time",
              `${duration(summary.seconds)} (${
                (summary.rawBytes / 1e6 / Math.max(summary.seconds, 1e-3)).toFixed(1)
              } MB/s)`,
            ],
            [
              "validation",
              summary.validationWorkers > 0
                ? `${summary.validationWorkers} worker(s)`
                : "main thread",
            ],
            ["chunks sealed", String(summary.sealedChunks)],
            ["rejected (invalid)", String(summary.rejected)],
            ["stale/orphan/duplicate", String(summary.notArchived)],
            ["skipped ranges", String(summary.skips)],
            ["waiting for parent", String(summary.pending)],
            [
              "parity",
              summary.paritySets !== null ? `${summary.paritySets} set(s) computed` : "off",
            ],
          ]),
      );
    }
    if (summary.validationNote) io.err(`note: ${summary.validationNote}`);
    if (summary.snapshotBasePending) {
      io.err(
        `warning: the snapshot's base block ${summary.snapshotBasePending} is not archived yet: ` +
          `no block was checked against the chain-wide rules; collect more blocks`,
      );
    }
    return summary.rejected > 0 ? 1 : 0;
  }, io);
}

function networkByNameOrUsage(name: string): NetworkParams {
  try {
    return networkByName(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Disk-full and similar I/O failures get a sentence saying the archive is intact. */
function explainIoError(e: unknown, out: string): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (/No space left|ENOSPC|os error 28/i.test(msg)) {
    const err = new Error(
      `disk full while writing ${out}: the archive is intact up to its last checkpoint; ` +
        "free some space and run the same command again to resume",
    );
    err.name = "ArchiveError";
    return err;
  }
  return e;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
