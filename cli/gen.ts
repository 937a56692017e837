/**
 * `deno task gen`: writes a synthetic regtest blocks directory (the source
 * of demo, test and benchmark data at any size).
 *
 * @module
 */

import { fromHex, toHex } from "../lib/bytes/hex.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { type BlocksDirOptions, writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { Prng } from "../lib/gen/prng.ts";
import {
  consoleIo,
  intFlag,
  type Io,
  parse,
  rateFlag,
  runCommand,
  sizeFlag,
  UsageError,
} from "./_common.ts";

const USAGE = `usage: deno task gen --out DIR [options]

Writes a valid regtest chain as a Bitcoin Core blocks directory (blkNNNNN.dat).

  --out DIR           directory to create (required)
  --blocks N          blocks after genesis (default 200)
  --seed N            PRNG seed; same seed, same chain (default 1)
  --block-size SIZE   aimed block size, e.g. 1MiB (default 100k)
  --file-size SIZE    blk file size limit (default 128MiB, as Bitcoin Core)
  --shuffle N         write blocks out of order within windows of N (default 1)
  --forks RATE        probability per height of a stale fork (default 0)
  --orphans RATE      probability per height of an orphan block (default 0)
  --xor HEX|random    obfuscate with this 8-byte key and write xor.dat
  --pad SIZE          pad each file with zeros to a multiple of SIZE
  --garbage RATE      insert random garbage between records with this probability
  --torn RATE         insert torn records with this probability
  --truncate          end the last file with a truncated record
  --json              print the summary as JSON`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, () => {
    const { values } = parse(args, {
      out: { type: "string" },
      blocks: { type: "string" },
      seed: { type: "string" },
      "block-size": { type: "string" },
      "file-size": { type: "string" },
      shuffle: { type: "string" },
      forks: { type: "string" },
      orphans: { type: "string" },
      xor: { type: "string" },
      pad: { type: "string" },
      garbage: { type: "string" },
      torn: { type: "string" },
      truncate: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (!values.out) throw new UsageError("--out is required");
    const seed = intFlag(values.seed, "seed", 1);
    const options: BlocksDirOptions = {
      seed,
      maxFileSize: sizeFlag(values["file-size"], "file-size", 128 << 20),
      shuffleWindow: intFlag(values.shuffle, "shuffle", 1),
      damage: {
        padTo: sizeFlag(values.pad, "pad", 0),
        garbageRate: rateFlag(values.garbage, "garbage", 0),
        tornRate: rateFlag(values.torn, "torn", 0),
        truncateTail: values.truncate ?? false,
      },
    };
    if (values.xor !== undefined) {
      const key = values.xor === "random"
        ? new Prng(seed ^ 0x0b5c).fill(new Uint8Array(8))
        : parseKey(values.xor);
      options.xorKey = key;
    }
    const t0 = performance.now();
    const summary = writeBlocksDir(
      values.out,
      generateChain({
        seed,
        blocks: intFlag(values.blocks, "blocks", 200),
        targetBlockSize: sizeFlag(values["block-size"], "block-size", 100_000),
        forkRate: rateFlag(values.forks, "forks", 0),
        orphanRate: rateFlag(values.orphans, "orphans", 0),
      }),
      options,
    );
    const seconds = (performance.now() - t0) / 1000;
    const report = {
      out: values.out,
      files: summary.files,
      bytes: summary.bytes,
      height: summary.mainHashes.length - 1,
      tip: summary.mainHashes.at(-1),
      stale: summary.stale.length,
      orphans: summary.orphans.length,
      xorKey: options.xorKey ? toHex(options.xorKey) : null,
      seconds: Number(seconds.toFixed(2)),
    };
    if (values.json) io.out(JSON.stringify(report));
    else {
      io.out(
        `wrote ${report.files} blk file(s), ${
          (report.bytes / 1e6).toFixed(1)
        } MB to ${report.out}: ` +
          `heights 0..${report.height}, ${report.stale} stale, ${report.orphans} orphan block(s)` +
          (report.xorKey ? `, XOR key ${report.xorKey}` : "") + ` in ${report.seconds}s`,
      );
    }
    return 0;
  }, io);
}

function parseKey(hex: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromHex(hex);
  } catch (e) {
    throw new UsageError(`--xor: ${(e as Error).message}`);
  }
  if (key.length !== 8) {
    throw new UsageError(`--xor needs 8 bytes (16 hex digits), got ${key.length}`);
  }
  return key;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
