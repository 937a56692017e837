/**
 * What the benchmarks share: the generated bench chain (≥ 1 GiB of regtest
 * blk files of ≈1.4 MB blocks, cached under .tmp/bench-collect) and a timed
 * subprocess run with peak RSS from /usr/bin/time -v.
 *
 * @module
 */

import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { type BlkFile, listBlkFiles } from "../lib/source/blk_files.ts";

/** Does `cmd --version` run? */
export function hasCommand(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Does `p` exist? */
export function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

const BLOCK_SIZE = 1_400_000;

/**
 * Transaction shapes of a bench chain: `heavy` (the generator's default: 8.4 inputs and 8.7
 * outputs per transaction, ≈1.8 kB) or `mainnet` (≈2.3 inputs and 2.5 outputs, ≈0.5 kB, near
 * mainnet's averages).
 */
export type ChainShape = "heavy" | "mainnet";

const SHAPES = {
  heavy: {},
  mainnet: { consolidationRate: 0.001, batchRate: 0.001 },
};

/** The bench chain of `gib` GiB (generated once, then reused): its directory and blk files. */
export function benchChain(
  gib: number,
  shape: ChainShape = "heavy",
): { blocksDir: string; files: BlkFile[]; total: number } {
  const root = new URL("../.tmp/bench-collect", import.meta.url).pathname;
  const blocksDir = `${root}/blocks-${gib}g${shape === "heavy" ? "" : `-${shape}`}`;
  const marker = `${blocksDir}/.complete`;
  if (!exists(marker)) {
    if (exists(blocksDir)) Deno.removeSync(blocksDir, { recursive: true });
    const count = Math.ceil((gib * 2 ** 30) / (BLOCK_SIZE * 0.8)) + 100;
    console.log(
      `generating ~${gib} GiB ${shape} regtest chain (${count} blocks of ≈${
        BLOCK_SIZE / 1e6
      } MB) in ${blocksDir} …`,
    );
    const t = performance.now();
    const s = writeBlocksDir(
      blocksDir,
      generateChain({ seed: 7, blocks: count, targetBlockSize: BLOCK_SIZE, ...SHAPES[shape] }),
      { seed: 7, shuffleWindow: 8 },
    );
    Deno.writeTextFileSync(`${blocksDir}/hashes.txt`, s.mainHashes.join("\n") + "\n");
    Deno.writeTextFileSync(marker, JSON.stringify(s.mainHashes.length));
    console.log(
      `  ${s.files} files, ${(s.bytes / 2 ** 30).toFixed(2)} GiB in ${
        ((performance.now() - t) / 1000).toFixed(0)
      } s`,
    );
  }
  const files = listBlkFiles(blocksDir);
  return { blocksDir, files, total: files.reduce((n, f) => n + f.size, 0) };
}

/** A timed subprocess run. */
export interface Run {
  seconds: number;
  rssMiB: number | null;
  /** Peak RSS over the first and the second half of the run (sampled from /proc), if sampled. */
  halvesMiB: [number, number] | null;
  /** CPU seconds of the process's main thread (its last sample before exit), if sampled. */
  mainThreadSeconds: number | null;
  stdout: string;
}

/**
 * Runs `cmd args` (with `env` added) and measures wall time and (with /usr/bin/time) peak RSS;
 * with `sample`, also samples the RSS every 200 ms to report the peak of each half of the run (is
 * memory still growing at the end?), and the CPU time of its main thread.
 */
export async function timed(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  sample = false,
): Promise<Run> {
  const argv = exists("/usr/bin/time") ? ["/usr/bin/time", "-v", cmd, ...args] : [cmd, ...args];
  const t = performance.now();
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  const samples: Array<[number, number]> = [];
  let mainThreadSeconds: number | null = null;
  let target: number | null = argv[0] === "/usr/bin/time" ? null : child.pid;
  const timer = sample
    ? setInterval(() => {
      target ??= childOf(child.pid);
      const p = target === null ? null : sampleProcess(target);
      if (p === null) return;
      samples.push([performance.now() - t, p.rssKiB]);
      mainThreadSeconds = p.mainThreadSeconds;
    }, 200)
    : undefined;
  const out = await child.output();
  clearInterval(timer);
  const elapsed = performance.now() - t;
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} failed: ${err}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  const half = (second: boolean) =>
    Math.max(0, ...samples.filter(([at]) => (at >= elapsed / 2) === second).map(([, k]) => k)) /
    1024;
  return {
    seconds: elapsed / 1000,
    rssMiB: m ? Number(m[1]) / 1024 : null,
    halvesMiB: samples.length > 1 ? [half(false), half(true)] : null,
    mainThreadSeconds,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

/** The pid of `pid`'s child (the command under /usr/bin/time), or null while it has none. */
function childOf(pid: number): number | null {
  try {
    const ps = new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] })
      .outputSync();
    const child = Number(new TextDecoder().decode(ps.stdout).trim().split(/\s+/)[0]);
    return ps.success && child > 0 ? child : null;
  } catch {
    return null;
  }
}

/**
 * The RSS of process `pid` and the CPU seconds of its main thread (user + system, 10 ms ticks),
 * or null when it is gone. One `cat` of two /proc files: Deno lets a process read /proc only
 * with --allow-all.
 */
function sampleProcess(pid: number): { rssKiB: number; mainThreadSeconds: number } | null {
  try {
    const cat = new Deno.Command("cat", {
      args: [`/proc/${pid}/status`, `/proc/${pid}/task/${pid}/stat`],
      stderr: "null",
    }).outputSync();
    if (!cat.success) return null;
    const text = new TextDecoder().decode(cat.stdout);
    const rss = /VmRSS:\s+(\d+) kB/.exec(text);
    const f = text.slice(text.lastIndexOf(")") + 2).split(" "); // stat's fields from 3 (state) on
    if (!rss) return null;
    return { rssKiB: Number(rss[1]), mainThreadSeconds: (Number(f[11]) + Number(f[12])) / 100 };
  } catch {
    return null;
  }
}

/** Peak RSS of a run, printable. */
export const rss = (r: Run) => (r.rssMiB === null ? "n/a" : `${r.rssMiB.toFixed(0)} MiB`);
