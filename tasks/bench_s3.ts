/**
 * `deno task bench:s3 [GiB]`: an archive on S3-compatible storage against
 * the same archive in a local directory, on the bench chain (≥ 1 GiB),
 * with a local S3 server (npm `s3rver`, objects on this machine's disk, so
 * the network is loopback and the figures show blkpipe's overhead, not a
 * WAN's):
 *
 * 1. `collect` into a directory vs into `s3://` (own processes: wall time,
 *    peak RSS, requests are not counted by the CLI);
 * 2. `parity create` and `parity verify` (10%) on each (own processes);
 * 3. random block reads (`get`'s path: the height index record, the seek
 *    table, one frame) from each, in process: p50/p99 over 300 heights,
 *    with a fresh reader (cold) and with a warm one.
 *
 * @module
 */

import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { Prng } from "../lib/gen/prng.ts";
import { LocalStore } from "../lib/store/local_store.ts";
import { s3Config } from "../lib/store/s3_location.ts";
import { S3Store } from "../lib/store/s3_store.ts";
import type { Store } from "../lib/store/store.ts";
import { startS3 } from "../tests/_support/s3.ts";
import { benchChain, rss, timed } from "./_bench_chain.ts";

const gib = Number(Deno.args[0] ?? 1);
const { blocksDir, total } = benchChain(gib);
const root = new URL(`../.tmp/bench-s3`, import.meta.url).pathname;
try {
  Deno.removeSync(root, { recursive: true });
} catch { /* first run */ }
Deno.mkdirSync(root, { recursive: true });
const s3 = await startS3(["bench"]);
const deno = Deno.execPath();
const cli = new URL("../cli/collect.ts", import.meta.url).pathname;
// Chunks of 100 blocks (≈ 90 MiB here): sealed chunks as on mainnet, where the default 125,000
// blocks make chunks of tens of GB — the bench chain would otherwise be one open chunk.
const common = [
  "--blocks",
  blocksDir,
  "--include-tip",
  "--no-parity",
  "--chunk-blocks",
  "100",
  "--json",
];
try {
  const local = await timed(deno, [
    "run",
    "--allow-read",
    "--allow-write",
    cli,
    ...common,
    "--out",
    `${root}/local`,
  ]);
  const remote = await timed(deno, [
    "run",
    "--allow-read",
    "--allow-write",
    ...s3.perms,
    cli,
    ...common,
    "--out",
    "s3://bench/archive",
    "--stage",
    `${root}/stage`,
  ], s3.env);
  const mbs = (s: number) => (total / 1e6 / s).toFixed(0);
  console.log(`\n${(total / 2 ** 30).toFixed(2)} GiB of blk files\n`);
  console.log("| collect into | seconds | MB/s | peak RSS |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| local directory | ${local.seconds.toFixed(1)} | ${mbs(local.seconds)} | ${rss(local)} |`,
  );
  console.log(
    `| s3:// (local s3rver) | ${remote.seconds.toFixed(1)} | ${mbs(remote.seconds)} | ${
      rss(remote)
    } |`,
  );
  console.log(`s3 vs local: ${(remote.seconds / local.seconds).toFixed(2)}× the time`);

  // Reference: the server's own intake, 256 MiB of PUTs (64 MiB each) from this process.
  const client = new S3Store(s3Config("s3://bench/raw", s3.env)).client;
  const part = new Uint8Array(64 << 20).map((_, i) => (i * 31) & 255);
  const t0 = performance.now();
  for (let i = 0; i < 4; i++) await client.put(`raw/${i}`, part);
  const putMBs = (4 * part.length) / 1e6 / ((performance.now() - t0) / 1000);
  const stored = JSON.parse(remote.stdout).storedBytes as number;
  console.log(
    `reference: the server takes ${putMBs.toFixed(0)} MB/s of plain PUTs; uploading the ` +
      `archive's ${(stored / 1e6).toFixed(0)} MB alone at that rate: ${
        (stored / 1e6 / putMBs).toFixed(1)
      } s (local collect + that: ${(local.seconds + stored / 1e6 / putMBs).toFixed(1)} s)`,
  );

  // Parity (10%): on a directory the codec reads the chunks in place; on S3 each recovery set is
  // copied into the stage, computed there and its PAR2 files uploaded.
  const parityCli = new URL("../cli/parity.ts", import.meta.url).pathname;
  console.log("\n| parity | local directory | s3:// (local s3rver) | s3 / local |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const command of ["create", "verify"]) {
    const run = (archive: string, more: string[], perms: string[], env?: Record<string, string>) =>
      timed(deno, [
        "run",
        "--allow-read",
        "--allow-write",
        ...perms,
        parityCli,
        command,
        "--archive",
        archive,
        "--quiet",
        ...more,
      ], env);
    const a = await run(`${root}/local`, [], []);
    const b = await run("s3://bench/archive", ["--stage", `${root}/stage`], s3.perms, s3.env);
    console.log(
      `| ${command} | ${a.seconds.toFixed(1)} s (${mbs(a.seconds)} MB/s, ${rss(a)}) | ` +
        `${b.seconds.toFixed(1)} s (${mbs(b.seconds)} MB/s, ${rss(b)}) | ` +
        `${(b.seconds / a.seconds).toFixed(2)}× |`,
    );
  }

  const tip = JSON.parse(local.stdout).tip.height as number;
  const stores: Array<[string, () => Store]> = [
    ["local directory", () => new LocalStore(`${root}/local`)],
    ["s3:// (local s3rver)", () => new S3Store(s3Config("s3://bench/archive", s3.env))],
  ];
  console.log("\n| random block read from | cold p50 | cold p99 | warm p50 | warm p99 |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, make] of stores) {
    const rng = new Prng(11);
    const cold: number[] = [], warm: number[] = [];
    const heights = Array.from({ length: 300 }, () => rng.int(0, tip));
    for (const h of heights.slice(0, 60)) {
      const t = performance.now();
      const reader = await ArchiveReader.open(make());
      await reader.readBlock(h);
      cold.push(performance.now() - t);
      reader.close();
    }
    const reader = await ArchiveReader.open(make());
    for (const h of heights) {
      const t = performance.now();
      await reader.readBlock(h);
      warm.push(performance.now() - t);
    }
    reader.close();
    const pct = (a: number[], p: number) =>
      a.sort((x, y) => x - y)[Math.floor((a.length - 1) * p)]!.toFixed(1);
    console.log(
      `| ${name} | ${pct(cold, 0.5)} ms | ${pct(cold, 0.99)} ms | ${pct(warm, 0.5)} ms | ${
        pct(warm, 0.99)
      } ms |`,
    );
  }
} finally {
  await s3.stop();
}
