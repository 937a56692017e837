/**
 * `deno task bench:index [GiB] [--utxo-millions N]`: the chain index.
 *
 * 1. Throughput: `deno task index` (chain-wide rules + txid/spend/UTXO
 *    indexes) over archives of two bench chains of ≥ 1 GiB — the heavy one
 *    the other benchmarks use (8.4 inputs per transaction) and a
 *    mainnet-shaped one (≈2.3 inputs, ≥ 1 M transactions) — each in its own
 *    process: tx/s, inputs/s, peak RSS, beside the reference run in the same
 *    script: a plain scan of the same archive (read, decompress, parse,
 *    txids; no rules, no index).
 * 2. `--mem` bounds the whole process: `index` and `collect --check utxo` on the
 *    mainnet-shaped chain at the least `--mem` (548 MiB) and the default 1 GiB, peak RSS
 *    against it.
 * 3. Lookup latency from the library: `--txid` and `--outpoint` p50/p99.
 * 4. Index bytes per transaction.
 * 5. UTXO-set scale (`utxo_scale.ts`, own process): N million unspent
 *    outputs (default 50) under the default `--mem` (the index's 930 MiB of it), lookups/s and
 *    RSS per 10 M: lookups uniform over the set (the worst case), then as old as real mainnet
 *    spends (the corpus' prevout JSON; skipped with a message when it is absent, an error with
 *    BLKPIPE_REQUIRE_REAL_DATA=1).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { blockHash } from "../lib/bitcoin/header.ts";
import { BlockLayout } from "../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../lib/bitcoin/txid.ts";
import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { collect } from "../lib/collect/collect.ts";
import { Prng } from "../lib/gen/prng.ts";
import { OutpointIndex } from "../lib/index/outpoint_index.ts";
import { chainIndexMem, DEFAULT_PROCESS_MEM, MIN_PROCESS_MEM } from "../lib/index/index_memory.ts";
import { benchChain, type ChainShape, exists, rss, timed } from "./_bench_chain.ts";
import { TASK_ENV } from "./_task_env.ts";
import { REAL_DIR } from "./_spend_ages.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { "utxo-millions": { type: "string" } },
  allowPositionals: true,
});
const gib = Number(positionals[0] ?? 1);
const millions = Number(values["utxo-millions"] ?? 50);
const deno = Deno.execPath();
const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
const rows: string[] = [];

/** Collects (once) the `shape` chain's archive and removes its index (not the height index). */
async function benchArchive(shape: ChainShape): Promise<string> {
  const { blocksDir } = benchChain(gib, shape);
  const archive = new URL(
    `../.tmp/bench-index/archive-${gib}g${shape === "heavy" ? "" : `-${shape}`}`,
    import.meta.url,
  ).pathname;
  if (!exists(`${archive}/.complete`)) {
    if (exists(archive)) Deno.removeSync(archive, { recursive: true });
    console.log(`collecting ${blocksDir} into ${archive} …`);
    await collect({ blocks: blocksDir, out: archive, includeTip: true, parity: false });
    Deno.writeTextFileSync(`${archive}/.complete`, "");
  } else if (exists(`${archive}/index`)) {
    for (const e of Deno.readDirSync(`${archive}/index`)) {
      if (e.name !== "heights.idx") {
        Deno.removeSync(`${archive}/index/${e.name}`, { recursive: true });
      }
    }
  }
  return archive;
}

/** The scan and the index of the `shape` chain; rows for the table; returns the archive. */
async function throughput(shape: ChainShape): Promise<string> {
  const archive = await benchArchive(shape);
  // Reference: one pass over the archive (read, decompress, parse, txids).
  const t0 = performance.now();
  const reader = await ArchiveReader.open(archive);
  const layout = new BlockLayout();
  let txs = 0, inputs = 0;
  for (let h = reader.startHeight; h <= reader.tipHeight; h++) {
    const b = await reader.readBlock(h);
    layout.parse(b);
    computeTxids(layout);
    blockHash(b);
    txs += layout.txCount;
    inputs += layout.inputCount - 1;
  }
  const scan = (performance.now() - t0) / 1000;
  reader.close();
  console.log(
    `\n${shape} archive: ${reader.tipHeight + 1} blocks, ${txs.toLocaleString("en")} ` +
      `transactions, ${inputs.toLocaleString("en")} inputs (${(inputs / txs).toFixed(1)} per tx)`,
  );
  const run = await timed(deno, [
    "run",
    "--allow-read",
    "--allow-write",
    new URL("../cli/index.ts", import.meta.url).pathname,
    "--archive",
    archive,
    "--json",
  ], { ...TASK_ENV }); // as `deno task index` runs
  const r = JSON.parse(run.stdout);
  if (r.rejected) throw new Error(`bench chain rejected: ${JSON.stringify(r.rejected)}`);
  rows.push(
    `| ${shape}: archive scan (reference: read, parse, txids) | ${scan.toFixed(1)} | ` +
      `${k(txs / scan)} | ${k(inputs / scan)} | |`,
    `| ${shape}: index (rules + txid/spend/UTXO indexes) | ${run.seconds.toFixed(1)} | ` +
      `${k(txs / run.seconds)} | ${k(inputs / run.seconds)} | ${rss(run)} |`,
  );
  console.log(`index vs scan: ${(run.seconds / scan).toFixed(2)}× the time`);
  let txidBytes = 0;
  for (const e of Deno.readDirSync(`${archive}/index`)) {
    if (e.name.startsWith("txid-") || e.name === "txnum.idx") {
      txidBytes += Deno.statSync(`${archive}/index/${e.name}`).size;
    }
  }
  console.log(
    `index bytes: ${(r.indexBytes / 2 ** 20).toFixed(1)} MiB, ${(r.indexBytes / txs).toFixed(1)} ` +
      `B/tx, of which txid index (txid segments + txnum.idx) ${(txidBytes / txs).toFixed(1)} B/tx`,
  );
  return archive;
}

const archive = await throughput("heavy");
const mainnet = await throughput("mainnet");
console.log("\n| run | seconds | tx/s | inputs/s | peak RSS |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);

// --mem bounds the whole process: index and collect --check utxo at the least --mem and the
// default, on the mainnet-shaped chain (into scratch directories), peak RSS against the budget.
console.log("\n| run (mainnet-shaped) | --mem | index's part | seconds | peak RSS | of --mem |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
const scratch = new URL("../.tmp/bench-index/mem-scratch", import.meta.url).pathname;
for (const mem of [MIN_PROCESS_MEM, DEFAULT_PROCESS_MEM]) {
  for (const job of ["index", "collect --check utxo"]) {
    if (exists(scratch)) Deno.removeSync(scratch, { recursive: true });
    const args = job === "index"
      ? ["index.ts", "--archive", mainnet, "--index-dir", scratch]
      : ["collect.ts", "--blocks", benchChain(gib, "mainnet").blocksDir, "--out", scratch]
        .concat(["--check", "utxo", "--include-tip", "--no-parity"]);
    const run = await timed(deno, [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env=HOME",
      new URL(`../cli/${args[0]}`, import.meta.url).pathname,
      ...args.slice(1),
      "--mem",
      `${mem / 2 ** 20}MiB`,
      "--json",
    ], { ...TASK_ENV });
    const peak = run.rssMiB === null ? "" : `${(100 * run.rssMiB * 2 ** 20 / mem).toFixed(0)}%`;
    console.log(
      `| ${job} | ${mem / 2 ** 20} MiB | ${chainIndexMem(mem) / 2 ** 20} MiB | ` +
        `${run.seconds.toFixed(1)} | ${rss(run)} | ${peak} |`,
    );
  }
}
if (exists(scratch)) Deno.removeSync(scratch, { recursive: true });

// Lookup latency from the library (the heavy chain's archive).
const index = await OutpointIndex.open(archive);
const rng = new Prng(5);
const pick = async () => {
  const h = rng.int(1, index.txids.height);
  const b = await index.txids.reader.readBlock(h);
  const L = new BlockLayout().parse(b);
  const t = rng.int(0, L.txCount - 1);
  const ids = computeTxids(L);
  return {
    txid: ids.slice(32 * t, 32 * t + 32),
    outputs: L.txFirstOutput[t + 1]! - L.txFirstOutput[t]!,
  };
};
const samples = [];
for (let i = 0; i < 500; i++) samples.push(await pick());
const pct = (a: number[], p: number) => a.sort((x, y) => x - y)[Math.floor((a.length - 1) * p)]!;
const tTx: number[] = [], tOut: number[] = [];
for (const s of samples) {
  const a = performance.now();
  await index.txids.find(s.txid);
  tTx.push(performance.now() - a);
  const b = performance.now();
  await index.find(s.txid, rng.int(0, s.outputs - 1));
  tOut.push(performance.now() - b);
}
index.close();
console.log(
  `\nlookups (500 random, library): --txid p50 ${pct(tTx, 0.5).toFixed(2)} ms, p99 ${
    pct(tTx, 0.99).toFixed(2)
  } ms; ` +
    `--outpoint p50 ${pct(tOut, 0.5).toFixed(2)} ms, p99 ${pct(tOut, 0.99).toFixed(2)} ms`,
);

if (millions > 0) {
  const spendAges = exists(REAL_DIR + "index.jsonl");
  for (const ages of ["uniform", "mainnet"]) {
    if (ages === "mainnet" && !spendAges) {
      if (Deno.env.get("BLKPIPE_REQUIRE_REAL_DATA") === "1") {
        throw new Error("BLKPIPE_REQUIRE_REAL_DATA=1 but ../shared/data/real is missing");
      }
      console.log(
        "\nUTXO-set scale with mainnet spend ages skipped: ../shared/data/real not found",
      );
      continue;
    }
    console.log(
      `\nUTXO-set scale: ${millions} M unspent outputs, default budget, lookups ${
        ages === "uniform" ? "uniform over the set" : "as old as mainnet spends"
      } (own process)`,
    );
    const scale = await timed(deno, [
      "run",
      "--allow-read",
      "--allow-write",
      new URL("./utxo_scale.ts", import.meta.url).pathname,
      String(millions),
      new URL("../.tmp/bench-index/utxo-scale", import.meta.url).pathname,
      String(chainIndexMem(DEFAULT_PROCESS_MEM)),
      ages,
    ], { ...TASK_ENV });
    console.log(scale.stdout.trimEnd());
    console.log(`peak RSS of the whole run: ${rss(scale)}`);
  }
}
