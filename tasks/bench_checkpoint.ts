/**
 * `deno task bench:checkpoint [MILLIONS] [--no-chain]`: UTXO snapshots at
 * scale, every command in its own process (wall time, peak RSS from
 * /usr/bin/time -v).
 *
 * 1. Synthetic sets of MILLIONS/4 and MILLIONS million coins (default 20)
 *    in Bitcoin Core's format (P2PKH/P2SH/P2WPKH/P2TR mix), based at block
 *    10 of a small archive: `checkpoint info` (a full parse), `checkpoint
 *    import`, `checkpoint export --format blkpipe` from the imported index,
 *    and `checkpoint import` of that file — coins/s, RSS at both sizes
 *    (RSS must not grow with the count), bytes per coin beside Core's
 *    published mainnet figure.
 * 2. Unless --no-chain: a UTXO-heavy chain (every transaction pays 100
 *    outputs) with at least MILLIONS million unspent outputs, collected
 *    with `--check utxo`, then `checkpoint export` in Core's format (a pass
 *    over the archive for the scripts, sorted runs, merge) and in blkpipe's.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { closeSync, openSync, writeSync } from "node:fs";
import { collect } from "../lib/collect/collect.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { Prng } from "../lib/gen/prng.ts";
import { SnapshotWriter } from "../lib/utxo/snapshot_writer.ts";
import { exists, rss, type Run, timed } from "./_bench_chain.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { "no-chain": { type: "boolean" } },
  allowPositionals: true,
});
const millions = Number(positionals[0] ?? 20);
const root = new URL("../.tmp/bench-checkpoint", import.meta.url).pathname;
Deno.mkdirSync(root, { recursive: true });
const deno = Deno.execPath();
const cli = new URL("../cli/checkpoint.ts", import.meta.url).pathname;
const checkpoint = (args: string[]) =>
  timed(deno, ["run", "--allow-read", "--allow-write", cli, ...args, "--json"]);
/** Core's published figure: utxo-830000.dat, 8.94 GB for ≈177 M coins. */
const CORE_BYTES_PER_COIN = 8.94e9 / 177e6;

const rows: string[] = [];
const row = (set: string, step: string, coins: number, r: Run, bytes?: number) =>
  rows.push(
    `| ${set} | ${step} | ${r.seconds.toFixed(1)} | ${(coins / r.seconds / 1e6).toFixed(2)} M | ${
      rss(r)
    } | ${bytes === undefined ? "" : (bytes / coins).toFixed(1)} |`,
  );

// A small archive whose block 10 is the synthetic snapshots' base.
const base = `${root}/base`;
const chain = [...generateChain({ seed: 3, blocks: 10 })];
if (!exists(`${base}/.complete`)) {
  if (exists(base)) Deno.removeSync(base, { recursive: true });
  writeBlocksDir(`${base}-blocks`, chain, { seed: 3 });
  await collect({ blocks: `${base}-blocks`, out: base, includeTip: true, parity: false });
  Deno.writeTextFileSync(`${base}/.complete`, "");
}
/** A copy of the base archive without a chain index. */
function freshArchive(name: string): string {
  const dir = `${root}/${name}`;
  if (exists(dir)) Deno.removeSync(dir, { recursive: true });
  new Deno.Command("cp", { args: ["-r", base, dir] }).outputSync();
  return dir;
}

for (const m of [millions / 4, millions]) {
  const n = Math.round(m * 1e6), set = `synthetic ${m} M`;
  const file = `${root}/synthetic-${m}m.dat`;
  const t = performance.now();
  const bytes = writeSynthetic(file, n, chain[10]!.hash);
  const seconds = (performance.now() - t) / 1000;
  rows.push(
    `| ${set} | write Core's format (in process) | ${seconds.toFixed(1)} | ${
      (n / seconds / 1e6).toFixed(2)
    } M | | ${(bytes / n).toFixed(1)} |`,
  );
  row(set, "info (parse to the end)", n, await checkpoint(["info", file]));
  const a = freshArchive("imported");
  row(
    set,
    "import Core's format",
    n,
    await checkpoint(["import", "--archive", a, "--snapshot", file]),
  );
  const own = `${root}/synthetic-${m}m.blkpipe`;
  const ex = await checkpoint(["export", "--archive", a, "--out", own, "--format", "blkpipe"]);
  row(set, "export blkpipe's format (from the index)", n, ex, Deno.statSync(own).size);
  const b = freshArchive("imported-own");
  row(
    set,
    "import blkpipe's format",
    n,
    await checkpoint(["import", "--archive", b, "--snapshot", own]),
  );
  Deno.removeSync(file);
  Deno.removeSync(own);
  console.log(`${set}: done`);
}

if (!values["no-chain"]) {
  const heavy = `${root}/heavy-${millions}m`;
  if (!exists(`${heavy}/.complete`)) {
    if (exists(heavy)) Deno.removeSync(heavy, { recursive: true });
    const blocks = Math.ceil((millions * 1e6) / 22_000) + 110; // ≈ 22.8 k unspent per block
    console.log(`generating a UTXO-heavy chain of ${blocks} blocks (100 outputs per tx) …`);
    writeBlocksDir(
      `${heavy}-blocks`,
      generateChain({ seed: 9, blocks, targetBlockSize: 1_400_000, outputsPerTx: 100 }),
      { seed: 9 },
    );
    console.log(`collecting it with --check utxo …`);
    const t = performance.now();
    await collect({
      blocks: `${heavy}-blocks`,
      out: heavy,
      includeTip: true,
      parity: false,
      checkLevel: "utxo",
    });
    console.log(`  ${((performance.now() - t) / 1000).toFixed(0)} s`);
    Deno.removeSync(`${heavy}-blocks`, { recursive: true });
    Deno.writeTextFileSync(`${heavy}/.complete`, "");
  }
  const core = `${root}/heavy.dat`, own = `${root}/heavy.blkpipe`;
  const ex = await checkpoint(["export", "--archive", heavy, "--out", core]);
  const coins = JSON.parse(ex.stdout).coins as number;
  const set = `chain, ${(coins / 1e6).toFixed(1)} M unspent`;
  row(set, "export Core's format (archive pass)", coins, ex, Deno.statSync(core).size);
  const ex2 = await checkpoint(["export", "--archive", heavy, "--out", own, "--format", "blkpipe"]);
  row(set, "export blkpipe's format (from the index)", coins, ex2, Deno.statSync(own).size);
  Deno.removeSync(core);
  Deno.removeSync(own);
}

console.log("\n| set | step | seconds | coins/s | peak RSS | bytes/coin |");
console.log("| --- | --- | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(r);
console.log(
  `\nCore's published mainnet snapshot: ${CORE_BYTES_PER_COIN.toFixed(1)} bytes/coin ` +
    `(8.94 GB, ≈177 M coins at height 830,000)`,
);

/** Writes `n` synthetic coins in Core's format and order; returns the file size. */
function writeSynthetic(path: string, n: number, baseHash: Uint8Array): number {
  const rng = new Prng(n);
  const fd = openSync(path, "w");
  let size = 0;
  const w = new SnapshotWriter("regtest", baseHash, n, (b) => {
    for (let done = 0; done < b.length;) done += writeSync(fd, b, done, b.length - done, null);
    size += b.length;
  });
  const txid = new Uint8Array(32);
  const scripts = [
    Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac), // P2PKH
    Uint8Array.of(0xa9, 0x14, ...new Uint8Array(20), 0x87), // P2SH
    Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)), // P2WPKH
    Uint8Array.of(0x51, 0x20, ...new Uint8Array(32)), // P2TR
  ];
  const payload = [3, 2, 2, 2]; // where the hash starts
  for (let written = 0, group = 0; written < n; group++) {
    rng.fill(txid);
    for (let k = 0, g = group; k < 5; k++, g = Math.floor(g / 256)) txid[4 - k] = g % 256; // sorted
    const count = Math.min(n - written, rng.chance(0.7) ? 1 : rng.int(2, 6));
    let vout = 0;
    for (let c = 0; c < count; c++) {
      vout += rng.int(0, 3);
      const kind = rng.int(0, 3), script = scripts[kind]!;
      rng.fill(script.subarray(payload[kind]!, payload[kind]! + 20));
      const value = Math.floor(10 ** (3 + 6 * rng.float()));
      w.add(txid, vout++, rng.int(1, 10), rng.chance(0.01), value, script);
    }
    written += count;
  }
  w.end();
  closeSync(fd);
  return size;
}
