/**
 * `deno task bench:collect [GiB]`: collect wall time and peak RSS on a
 * generated chain (default ≥ 1 GiB of blk files), side by side with
 * `zstd -3 -T0` on the same blk bytes — the pure compression reference.
 * Peak RSS comes from /usr/bin/time -v when available.
 *
 * @module
 */

import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { listBlkFiles } from "../lib/source/blk_files.ts";

const gib = Number(Deno.args[0] ?? 1);
const root = new URL("../.tmp/bench-collect", import.meta.url).pathname;
const blocksDir = `${root}/blocks-${gib}g`;
const marker = `${blocksDir}/.complete`;
const BLOCK_SIZE = 1_400_000;

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

if (!exists(marker)) {
  if (exists(blocksDir)) Deno.removeSync(blocksDir, { recursive: true });
  const count = Math.ceil((gib * 2 ** 30) / (BLOCK_SIZE * 0.8)) + 100;
  console.log(
    `generating ~${gib} GiB regtest chain (${count} blocks of ≈${
      BLOCK_SIZE / 1e6
    } MB) in ${blocksDir} …`,
  );
  const t = performance.now();
  const s = writeBlocksDir(
    blocksDir,
    generateChain({ seed: 7, blocks: count, targetBlockSize: BLOCK_SIZE }),
    {
      seed: 7,
      shuffleWindow: 8,
    },
  );
  Deno.writeTextFileSync(marker, JSON.stringify(s.mainHashes.length));
  console.log(
    `  ${s.files} files, ${(s.bytes / 2 ** 30).toFixed(2)} GiB in ${
      ((performance.now() - t) / 1000).toFixed(0)
    } s`,
  );
}
const files = listBlkFiles(blocksDir);
const total = files.reduce((n, f) => n + f.size, 0);
const haveTime = exists("/usr/bin/time");

interface Run {
  seconds: number;
  rssMiB: number | null;
  stdout: string;
}

async function timed(cmd: string, args: string[]): Promise<Run> {
  const argv = haveTime ? ["/usr/bin/time", "-v", cmd, ...args] : [cmd, ...args];
  const t = performance.now();
  const out = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t) / 1000;
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} failed: ${err}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  return {
    seconds,
    rssMiB: m ? Number(m[1]) / 1024 : null,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

const rss = (r: Run) => (r.rssMiB === null ? "n/a" : `${r.rssMiB.toFixed(0)} MiB`);
console.log(`\ninput: ${files.length} blk files, ${(total / 2 ** 30).toFixed(2)} GiB`);

const zstd = await timed("sh", [
  "-c",
  `zstd -3 -T0 -q -c ${files.map((f) => f.path).join(" ")} > /dev/null`,
]);
const rows: Array<[string, Run, string]> = [["zstd -3 -T0 (reference)", zstd, ""]];
for (
  const [label, extra] of [["collect --check full", []], ["collect --check headers", [
    "--check",
    "headers",
  ]]] as const
) {
  const out = `${root}/archive-${Date.now()}`;
  const r = await timed(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-write",
    new URL("../cli/collect.ts", import.meta.url).pathname,
    "--blocks",
    blocksDir,
    "--out",
    out,
    "--json",
    "--include-tip",
    "--no-parity", // parity is measured by bench:parity
    ...extra,
  ]);
  const s = JSON.parse(r.stdout);
  rows.push([label, r, `ratio ${(s.rawBytes / s.storedBytes).toFixed(3)}, ${s.blocks} blocks`]);
  Deno.removeSync(out, { recursive: true });
}
console.log("");
for (const [label, r, note] of rows) {
  console.log(
    `  ${label.padEnd(26)} ${r.seconds.toFixed(1).padStart(6)} s  ${
      (total / 1e6 / r.seconds).toFixed(0).padStart(4)
    } MB/s  ` +
      `peak RSS ${rss(r).padStart(8)}  ${(r.seconds / zstd.seconds).toFixed(2)}× zstd  ${note}`,
  );
}
