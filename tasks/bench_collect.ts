/**
 * `deno task bench:collect [GiB]`: collect wall time and peak RSS on a
 * generated chain (default ≥ 1 GiB of blk files), side by side with
 * `zstd -3 -T0` on the same blk bytes — the pure compression reference —
 * and, when python3 is present, a linearize-then-compress pipeline (a small
 * Python reader in the spirit of Bitcoin Core's contrib/linearize: index the
 * blk files by block hash, write the blocks in the order of a hash list,
 * piped into `zstd -3 -T0`). Both references run twice: output to /dev/null (the strict
 * reference) and output kept in files next to the archive, as a user keeps it and as the issue's
 * pipeline ran (linearize-data.py writes the linearized chain to a file, then zstd compresses that
 * file into another). Also measured: collect at each check level (framing, headers, full, and
 * utxo, which also builds the chain index), with 1 and 2 workers, at `--level 2`, under least
 * privilege (read the blocks and the archive, write the archive: nothing else), and
 * the serial part (reading, ordering, validating, framing on one thread,
 * nothing compressed or written) in core-seconds per GiB, and the main
 * thread's CPU time in each real run (everything it does, writing included,
 * read from /proc through `cat`) per GiB. Peak RSS comes
 * from /usr/bin/time -v when available; each collect run's RSS is also
 * sampled from /proc and the peak of each half printed (still growing at
 * the end of the run, or level?).
 *
 * @module
 */

import { benchChain, exists, hasCommand, rss, type Run, timed } from "./_bench_chain.ts";
import { TASK_ENV } from "./_task_env.ts";
import { ARCHIVE_DEFAULTS } from "../lib/archive/manifest.ts";
import { startPosition } from "../lib/archive/framer.ts";
import { NETWORKS } from "../lib/bitcoin/network.ts";
import { CollectCore } from "../lib/collect/collect_frames.ts";
import { DEFAULT_CHECKPOINT_BYTES } from "../lib/collect/collect.ts";
import { BlkPositionedReader } from "../lib/source/blk_positioned_reader.ts";
import { type BlockEvent, readBlockEvents } from "../lib/source/block_records.ts";
import type { BlockPrecheck } from "../lib/validate/check_block.ts";
import { CheckPool } from "../lib/validate/check_pool.ts";
import { BufferPool } from "../lib/bytes/buffer_pool.ts";
import { precheckBlocks, type PrecheckedEvent } from "../lib/validate/precheck_stream.ts";

const gib = Number(Deno.args[0] ?? 1);
const { blocksDir, files, total } = benchChain(gib);
const root = new URL("../.tmp/bench-collect", import.meta.url).pathname;
console.log(`\ninput: ${files.length} blk files, ${(total / 2 ** 30).toFixed(2)} GiB`);

const zstd = await timed("sh", [
  "-c",
  `zstd -3 -T0 -q -c ${files.map((f) => f.path).join(" ")} > /dev/null`,
]);
// The same, keeping its output as a user would (and as collect keeps its archive): a file next to
// the archive, so the reference also pays for the page-cache copy of what it writes.
const zstdFile = await timed("sh", [
  "-c",
  `zstd -3 -T0 -q -c ${files.map((f) => f.path).join(" ")} > ${root}/blk.zst && ` +
  `stat -c %s ${root}/blk.zst && rm ${root}/blk.zst`,
]);
// zstd -3's ratio on the same bytes: collect's archive is compared with it (level 3 is tuned).
const zstdRatio = total / Number(zstdFile.stdout.trim());
const rows: Array<[string, Run, string]> = [
  ["zstd -3 -T0 (reference)", zstd, "output to /dev/null"],
  ["zstd -3 -T0 > file", zstdFile, `output kept, ratio ${zstdRatio.toFixed(3)}`],
];
const LINEARIZE = `
import hashlib, os, struct, sys
blocks, hash_list = sys.argv[1], sys.argv[2]
magic = bytes.fromhex("fabfb5da")
where = {}
for name in sorted(f for f in os.listdir(blocks) if f.startswith("blk") and f.endswith(".dat")):
    with open(os.path.join(blocks, name), "rb") as f:
        data = f.read()
    i = 0
    while i + 8 <= len(data):
        if data[i:i + 4] != magic:
            i += 1
            continue
        (n,) = struct.unpack_from("<I", data, i + 4)
        h = hashlib.sha256(hashlib.sha256(data[i + 8:i + 88]).digest()).digest()[::-1].hex()
        where[h] = (name, i, n)
        i += 8 + n
handles = {}
out = sys.stdout.buffer
for h in open(hash_list).read().split():
    name, off, n = where[h]
    f = handles.get(name) or handles.setdefault(name, open(os.path.join(blocks, name), "rb"))
    f.seek(off)
    out.write(f.read(8 + n))
`;
let linearize: Run | null = null, linearizeFiles: Run | null = null;
if (hasCommand("python3") && exists(`${blocksDir}/hashes.txt`)) {
  Deno.writeTextFileSync(`${root}/linearize.py`, LINEARIZE);
  const lin = `python3 ${root}/linearize.py ${blocksDir} ${blocksDir}/hashes.txt`;
  // The strict reference: piped, nothing written.
  linearize = await timed("sh", ["-c", `${lin} | zstd -3 -T0 -q -c > /dev/null`]);
  rows.push(["linearize (python) | zstd", linearize, "piped, output to /dev/null"]);
  // As the issue's pipeline runs: linearize-data.py writes the linearized chain to a file, then
  // `zstd -3 -T0` compresses that file into another.
  const flat = `${root}/linearized.dat`;
  linearizeFiles = await timed("sh", [
    "-c",
    `${lin} > ${flat} && zstd -3 -T0 -q ${flat} -o ${flat}.zst && rm ${flat} ${flat}.zst`,
  ]);
  rows.push(["linearize > file, zstd > file", linearizeFiles, "as linearize-data.py + zstd"]);
} else console.log("python3 (or the hash list) missing: the linearize + zstd pipeline is skipped");
for (
  const [label, extra] of [
    ["collect --check full", []],
    ["collect --check full --workers 1", ["--workers", "1"]],
    ["collect --check framing", ["--check", "framing"]],
    ["collect --check headers", ["--check", "headers"]],
    ["collect --check utxo", ["--check", "utxo"]],
    ["collect --check full --level 2", ["--level", "2"]],
    ["collect --check full, least privilege", []],
  ] as const
) {
  const out = `${root}/archive-${Date.now()}`;
  // Least privilege: only the blocks and the archive (the workers start from imported text).
  const perms = label.endsWith("least privilege")
    ? [`--allow-read=${blocksDir},${out}`, `--allow-write=${out}`]
    : ["--allow-read", "--allow-write"];
  const r = await timed(
    Deno.execPath(),
    [
      "run",
      ...perms,
      new URL("../cli/collect.ts", import.meta.url).pathname,
      "--blocks",
      blocksDir,
      "--out",
      out,
      "--json",
      "--include-tip",
      "--no-parity", // parity is measured by bench:parity
      ...extra,
    ],
    { ...TASK_ENV }, // as `deno task collect` runs
    true,
  );
  const s = JSON.parse(r.stdout);
  const size = `archive ${
    ((s.storedBytes * zstdRatio / s.rawBytes - 1) * 100).toFixed(1)
  }% vs zstd -3's`;
  rows.push([
    label,
    r,
    `ratio ${(s.rawBytes / s.storedBytes).toFixed(3)} (${size}), ${s.blocks} blocks`,
  ]);
  Deno.removeSync(out, { recursive: true });
}
console.log("");
for (const [label, r, note] of rows) {
  const vsLinearize = linearize ? `  ${(r.seconds / linearize.seconds).toFixed(2)}× linearize` : "";
  const vsFiles = `${(r.seconds / zstdFile.seconds).toFixed(2)}× zstd > file${
    linearizeFiles ? `, ${(r.seconds / linearizeFiles.seconds).toFixed(2)}× linearize files` : ""
  }`;
  console.log(
    `  ${label.padEnd(38)} ${r.seconds.toFixed(1).padStart(6)} s  ${
      (total / 1e6 / r.seconds).toFixed(0).padStart(4)
    } MB/s  ` +
      `peak RSS ${rss(r).padStart(8)}  ${
        (r.seconds / zstd.seconds).toFixed(2)
      }× zstd${vsLinearize}  (${vsFiles})  ${note}`,
  );
}
// The main thread's CPU in the real runs (everything it does: reading, ordering, concluding the
// checks, framing, passing blocks and frames to the workers, hashing and writing the chunk).
for (const [label, r] of rows) {
  if (r.mainThreadSeconds === null) continue;
  console.log(
    `  ${label.padEnd(38)} main thread ${r.mainThreadSeconds.toFixed(1)} core-s = ${
      (r.mainThreadSeconds / (total / 2 ** 30)).toFixed(2)
    } core-s/GiB (${(100 * r.mainThreadSeconds / r.seconds).toFixed(0)}% of the wall time)`,
  );
}
// Flat with chain length? The peak RSS of each half of every collect run (sampled every 200 ms).
for (const [label, r] of rows) {
  if (r.halvesMiB === null) continue;
  const [a, b] = r.halvesMiB;
  console.log(
    `  ${label.padEnd(38)} peak RSS first half ${a.toFixed(0)} MiB, second half ${
      b.toFixed(0)
    } MiB (${b >= a ? "+" : ""}${((b / a - 1) * 100).toFixed(1)}%)`,
  );
}

// The serial part: reading, ordering, validating and framing on this one thread, the frames
// discarded (no compression, no writing) — what bounds collect however many workers compress.
// "prechecks on workers" is the main thread's share when validation runs on the pool (as collect
// does at every level): the prechecks are computed first (untimed) and attached as the pool stage
// would, so the time is reading, ordering, concluding and framing alone. Blocks are read into
// pooled buffers and framed uncopied, as in collect.
console.log("\nserial part (one thread, nothing compressed or written):");
const network = NETWORKS.regtest;
const prechecks = new Map<string, BlockPrecheck>();
const pool = new CheckPool(network, 2);
await readBlockEvents(blocksDir, { network }).pipeThrough(precheckBlocks(pool, "full"))
  .pipeTo(
    new WritableStream({
      write(e) {
        if (e.kind === "block") prechecks.set(`${e.file}:${e.offset}`, e.pre!);
      },
    }),
  );
pool.close();
const variants = [
  ["full", "full"],
  ["full, prechecks on workers", "full"],
  ["headers, prechecks on workers", "headers"],
] as const;
// Each variant twice: the first pass also pays for the process's first use of its memory (fresh
// pages from the kernel) and for compiling; the second is the steady state of a long run.
for (const [label, level] of variants) {
  const passes: number[] = [];
  for (let pass = 0; pass < 2; pass++) passes.push(await serialPass(label, level));
  console.log(
    `  --check ${label.padEnd(30)} ${passes.map((s) => s.toFixed(1)).join(" / ")} core-s for ${
      (total / 2 ** 30).toFixed(2)
    } GiB = ${passes.map((s) => (s / (total / 2 ** 30)).toFixed(2)).join(" / ")} core-s per GiB ` +
      "(first / second pass)",
  );
}

/** One serial pass of `label` at `level`: seconds. */
async function serialPass(label: string, level: "full" | "headers"): Promise<number> {
  const reader = new BlkPositionedReader(blocksDir);
  const blockPool = new BufferPool();
  const core = new CollectCore({
    network,
    level,
    depth: 6,
    includeTip: true,
    toHeight: Number.POSITIVE_INFINITY,
    checkpointBytes: DEFAULT_CHECKPOINT_BYTES,
    layout: { magic: network.magic, ...ARCHIVE_DEFAULTS },
    position: startPosition(0),
    snapshot: null,
    tip: null,
    fetch: (f, o) => reader.readBlock(f, o),
    lastFile: files.at(-1)?.number ?? -1,
    frameBlocks: true,
  });
  const attach = new TransformStream<BlockEvent, PrecheckedEvent>({
    transform(e, controller) {
      controller.enqueue(
        e.kind === "block" && label !== level
          ? { ...e, pre: prechecks.get(`${e.file}:${e.offset}`)! }
          : e,
      );
    },
  });
  const t = performance.now();
  // The blocks' buffers go back to the pool as compression gives them back in collect.
  const alloc = (n: number) => blockPool.take(n);
  await readBlockEvents(blocksDir, { network, alloc }).pipeThrough(attach)
    .pipeThrough(core.stream())
    .pipeTo(
      new WritableStream({
        write: (job) => {
          for (const b of job.records?.blocks ?? []) blockPool.give(b);
        },
      }),
    );
  const seconds = (performance.now() - t) / 1000;
  reader.close();
  return seconds;
}
