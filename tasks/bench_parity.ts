/**
 * `deno task bench:parity`: PAR2 create and repair throughput (MB/s of
 * protected data) and peak RSS on ≥ 1 GiB of archive chunks at 10%
 * redundancy, blkpipe against Debian's `par2` on the same files, at par2's
 * default block count (2000) and at blkpipe's default slicing (≈ 200 input
 * slices per set). Repair: 48 MiB zeroed inside one chunk (≈ 4.5% of the
 * data, within both tools' recovery data; par2 at -r10 cannot rebuild a whole
 * lost chunk of this archive, blkpipe's sizing can). Needs `par2`
 * (apt-get install -y par2) for its column; skipped with a message if absent.
 *
 * @module
 */

import { collect } from "../lib/collect/collect.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";

const root = new URL("../.tmp/bench-parity", import.meta.url).pathname;
const blocksDir = `${root}/blocks`;
const archive = `${root}/archive`;
const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
if (!exists(`${archive}/manifest.json`)) {
  console.log("generating a ≈1.3 GiB chain and archiving it (no parity) …");
  Deno.mkdirSync(root, { recursive: true });
  writeBlocksDir(blocksDir, generateChain({ seed: 11, blocks: 1100, targetBlockSize: 1_400_000 }), {
    seed: 11,
  });
  await collect({
    blocks: blocksDir,
    out: archive,
    includeTip: true,
    chunkPolicy: { blocks: 90 },
    parity: false,
  });
}
const chunks = [...Deno.readDirSync(`${archive}/chunks`)].map((e) => `chunks/${e.name}`)
  .filter((n) => n.endsWith(".blk.zst")).sort();
const total = chunks.reduce((n, f) => n + Deno.statSync(`${archive}/${f}`).size, 0);
const victim = chunks[3]!;
const victimBytes = Deno.readFileSync(`${archive}/${victim}`);
const haveTime = exists("/usr/bin/time");
const havePar2 = (() => {
  try {
    return new Deno.Command("par2", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

async function timed(
  cmd: string,
  args: string[],
): Promise<{ seconds: number; rss: string; out: string }> {
  const argv = haveTime ? ["/usr/bin/time", "-v", cmd, ...args] : [cmd, ...args];
  const t = performance.now();
  const r = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: archive,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const seconds = (performance.now() - t) / 1000;
  const err = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${err}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  return {
    seconds,
    rss: m ? `${(Number(m[1]) / 1024).toFixed(0)} MiB` : "n/a",
    out: new TextDecoder().decode(r.stdout),
  };
}

const job = new URL("./parity_job.ts", import.meta.url).pathname;
const deno = (args: string[]) =>
  timed(Deno.execPath(), ["run", "--allow-read", "--allow-write", job, ...args]);
const clean = (prefix: string) => {
  for (const e of [...Deno.readDirSync(archive)]) {
    if (e.name.startsWith(prefix) || /\.\d+$/.test(e.name)) Deno.removeSync(`${archive}/${e.name}`);
  }
  for (const e of [...Deno.readDirSync(`${archive}/chunks`)]) {
    if (/\.\d+$|\.tmp$/.test(e.name)) Deno.removeSync(`${archive}/chunks/${e.name}`);
  }
};
const damage = () => {
  const b = victimBytes.slice();
  b.fill(0, 1 << 20, 49 << 20);
  Deno.writeFileSync(`${archive}/${victim}`, b);
};
const restored = () => {
  const b = Deno.readFileSync(`${archive}/${victim}`);
  if (b.length !== victimBytes.length || b.some((x, i) => x !== victimBytes[i])) {
    throw new Error("repair was not byte-exact");
  }
};

console.log(
  `\n${chunks.length} chunk files, ${
    (total / 2 ** 30).toFixed(2)
  } GiB, 10% redundancy; repair: 48 MiB of ${victim} zeroed\n`,
);
const head = ["run", "slices/recovery", "create", "peak RSS", "repair", "peak RSS"];
const row = (r: string[]) => console.log(r.map((c, i) => c.padEnd(i === 0 ? 44 : 16)).join(""));
const mbps = (s: number) => `${(total / 1e6 / s).toFixed(1)} MB/s`;
row(head);
const settings = [["par2's default (2000 blocks)", 2000], ["blkpipe's default (≈200 slices)", 200]];
for (const [label, slices] of settings as Array<[string, number]>) {
  clean("bench-");
  const c = await deno(["create", archive, "bench-b", String(slices), "0.1", ...chunks]);
  const layout = JSON.parse(c.out);
  damage();
  const r = await deno(["repair", archive, "bench-b"]);
  restored();
  const ours = `${layout.inputSlices}/${layout.recovery}`;
  row([`blkpipe, ${label}`, ours, mbps(c.seconds), c.rss, mbps(r.seconds), r.rss]);
  if (!havePar2) continue;
  clean("bench-");
  const pc = await timed("par2", [
    "create",
    "-q",
    "-q",
    "-r10",
    `-b${slices}`,
    "bench-p.par2",
    ...chunks,
  ]);
  damage();
  const pr = await timed("par2", ["repair", "-q", "-q", "bench-p.par2"]);
  restored();
  const theirs = `${slices}/${slices / 10}`;
  row([`par2 0.8.1, ${label}`, theirs, mbps(pc.seconds), pc.rss, mbps(pr.seconds), pr.rss]);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  row([
    "  blkpipe ÷ par2 (throughput)",
    "",
    ratio(pc.seconds, c.seconds),
    "",
    ratio(pr.seconds, r.seconds),
    "",
  ]);
}
clean("bench-");
if (!havePar2) console.log("par2 not installed: its column is skipped (apt-get install -y par2)");
