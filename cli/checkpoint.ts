/**
 * `deno task checkpoint info|export|import`: UTXO snapshots in Bitcoin
 * Core's `dumptxoutset` format or blkpipe's — read and reported, written
 * from an archive's chain index, loaded to start one.
 *
 * @module
 */

import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { hashFromHex } from "../lib/bytes/hex.ts";
import { readSnapshot } from "../lib/utxo/snapshot_reader.ts";
import { exportSnapshot } from "../lib/index/export_snapshot.ts";
import { exportUtxoCheckpoint } from "../lib/index/export_checkpoint.ts";
import { importSnapshot } from "../lib/index/import_snapshot.ts";
import { buildChainIndex } from "../lib/index/build_index.ts";
import { bytes, count } from "./_format.ts";
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
import { readCurrentSlot } from "../lib/index/index_slots.ts";

const USAGE = `usage: deno task checkpoint info FILE [--archive DIR] [--json]
       deno task checkpoint export --archive DIR --out FILE [--format core|blkpipe] [--height H] [--json]
       deno task checkpoint import --archive DIR --snapshot FILE [--json]

Reads a UTXO snapshot — written by Bitcoin Core's \`dumptxoutset\` (format version 2) or by
blkpipe — from start to end and prints its format, network, base block, coin count, total amount
and size. With --archive, also the base block's height in that archive. A truncated file, trailing
bytes, a wrong magic, version, network or checksum, or a coin count that does not match are errors
(exit 1).

export writes the archive's UTXO set, as of its chain index's last checkpoint (coins in Core's
order, bounded memory, written atomically); it needs \`deno task index\` first. --format core
(default) is Core's format, scripts included, read from the archive in one pass; --format blkpipe
is blkpipe's (no scripts, base height and SHA-256 recorded), written from the index alone.
import starts an archive's chain index from a snapshot (from Bitcoin Core or from export), as
Core's assumeutxo does: its base block must be in the archive; blocks up to it are indexed without
the chain-wide rules (the snapshot is trusted), blocks after it with them; then it runs the index.`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values, positionals } = parse(args, {
      archive: { type: "string" },
      out: { type: "string" },
      snapshot: { type: "string" },
      height: { type: "string" },
      format: { type: "string", default: "core" },
      json: { type: "boolean" },
    });
    if (values.archive && positionals[0] !== "info") {
      requireLocalArchive(values.archive, "checkpoint export/import (they use the chain index)");
    }
    if (positionals[0] === "export") {
      if (!values.archive || !values.out) throw new UsageError("export needs --archive and --out");
      if (values.format !== "core" && values.format !== "blkpipe") {
        throw new UsageError(`--format is core or blkpipe, not ${values.format}`);
      }
      const t0 = performance.now();
      if (values.height !== undefined) {
        const at = readCurrentSlot(values.archive).height;
        if (intFlag(values.height, "height", 0) !== at) {
          io.err(
            `error: the index of ${values.archive} is checkpointed at height ${at}; a snapshot can be ` +
              `exported at that height only (index an archive collected --to-height H for another)`,
          );
          return 1;
        }
      }
      const r = values.format === "blkpipe"
        ? await exportUtxoCheckpoint(values.archive, values.out)
        : await exportSnapshot(values.archive, values.out);
      const seconds = (performance.now() - t0) / 1000;
      if (values.json) io.out(JSON.stringify({ ...r, format: values.format, seconds }));
      else {
        io.out(
          `${values.out}: ${count(r.coins)} coins at height ${r.height} (${r.baseHash}), ` +
            `${bytes(r.bytes)} in ${seconds.toFixed(1)} s`,
        );
      }
      return 0;
    }
    if (positionals[0] === "import") {
      if (!values.archive || !values.snapshot) {
        throw new UsageError("import needs --archive and --snapshot");
      }
      const dir = values.archive, snapshot = values.snapshot;
      return await withWriterLock(dir, async () => {
        const imported = await importSnapshot(dir, snapshot); // bad files: one line, exit 1
        const r = await buildChainIndex(dir);
        if (values.json) io.out(JSON.stringify({ ...imported, ...r }));
        else {
          io.out(
            `${
              count(imported.coins)
            } coins imported at height ${imported.height}; index: heights ` +
              `${r.from}..${r.to}, chain-wide rules from ${imported.height! + 1}`,
          );
        }
        if (r.rejected) {
          io.err(
            `error: block ${r.rejected.hash} at height ${r.rejected.height} breaks a chain-wide ` +
              `rule: ${r.rejected.code} (${r.rejected.detail})`,
          );
          return 1;
        }
        return 0;
      });
    }
    if (positionals[0] !== "info" || !positionals[1]) {
      throw new UsageError("give: info FILE, export or import");
    }
    const file = positionals[1];
    const info = readSnapshot(file); // a bad file: one line, exit 1 (runCommand)
    let height: number | null = null;
    if (values.archive) {
      const reader = await ArchiveReader.open(values.archive);
      try {
        const h = await reader.findHeight(hashFromHex(info.baseHash));
        height = h < 0 ? null : h;
      } finally {
        reader.close();
      }
    }
    if (values.json) io.out(JSON.stringify({ ...info, height }));
    else {
      io.out(
        `${file}: ${info.network} UTXO snapshot in ${
          info.format === "core" ? "Bitcoin Core's" : "blkpipe's"
        } format (version ${info.version}), base block ${info.baseHash}${
          info.baseHeight === null ? "" : ` at height ${info.baseHeight}`
        }${
          values.archive ? ` (${height === null ? "not in the archive" : `height ${height}`})` : ""
        }, ` +
          `${count(info.coins)} coins, ${(info.totalAmount / 1e8).toFixed(8)} BTC, ${
            bytes(info.bytes)
          }`,
      );
    }
    return 0;
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
