/**
 * `deno task bench:segment [millions]`: the UTXO store against LevelDB
 * (npm classic-level) on the same workload, each in its own process so
 * that peak RSS (from /usr/bin/time -v) belongs to one engine:
 * build N million outpoints (batches of 10,000, like blocks), 1 M random
 * point lookups (50% hits), 1 M lookups in batches of 1,000, a compaction,
 * and the point lookups again.
 *
 * @module
 */

import { Prng } from "../lib/gen/prng.ts";
import { UtxoStore } from "../lib/segment/utxo_store.ts";
import { Segment } from "../lib/segment/segment.ts";

const millions = Number(Deno.args[1] ?? Deno.args[0] ?? 10);
const N = Math.round(millions * 1_000_000);
const BATCH = 10_000;
const LOOKUPS = 1_000_000;
const root = new URL("../.tmp/bench-segment", import.meta.url).pathname;

/** Outpoint i: deterministic pseudo-random txid, vout i % 4. */
function outpoint(i: number, out: Uint8Array, at: number): void {
  const r = new Prng(i * 2654435761 + 12345);
  r.fill(out.subarray(at, at + 32));
  new DataView(out.buffer, out.byteOffset).setUint32(at + 32, i % 4, false);
}

function lookupKeys(seed: number): Uint8Array {
  const rng = new Prng(seed);
  const keys = new Uint8Array(LOOKUPS * 36);
  // Even slots hit (i < N), odd slots miss (i ≥ N).
  for (let q = 0; q < LOOKUPS; q++) {
    outpoint(q % 2 === 0 ? rng.int(0, N - 1) : N + rng.int(0, N), keys, q * 36);
  }
  return keys;
}

async function runBlkpipe(): Promise<Record<string, number>> {
  const dir = `${root}/blkpipe`;
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* fresh */ }
  const store = await UtxoStore.open(dir);
  const keys = new Uint8Array(BATCH * 36);
  const ids = new Float64Array(BATCH);
  let t = performance.now();
  for (let b = 0; b < N / BATCH; b++) {
    for (let i = 0; i < BATCH; i++) {
      outpoint(b * BATCH + i, keys, i * 36);
      ids[i] = b * BATCH + i;
    }
    await store.apply(b + 1, keys, ids);
  }
  store.flush();
  const build = (performance.now() - t) / 1000;
  const segments = store.stats().segments;
  const probe = lookupKeys(7);
  const point = () => {
    const t0 = performance.now();
    let hits = 0;
    for (let q = 0; q < LOOKUPS; q++) if (store.get(probe, q * 36) >= 0) hits++;
    if (hits !== LOOKUPS / 2) throw new Error(`blkpipe: ${hits} hits, expected ${LOOKUPS / 2}`);
    return LOOKUPS / ((performance.now() - t0) / 1000);
  };
  const pointBefore = point();
  t = performance.now();
  const out = new Float64Array(1000);
  let hits = 0;
  for (let q = 0; q < LOOKUPS; q += 1000) {
    store.getBatch(probe.subarray(q * 36, (q + 1000) * 36), 1000, out);
    for (const v of out) if (v >= 0) hits++;
  }
  if (hits !== LOOKUPS / 2) throw new Error(`blkpipe batch: ${hits} hits`);
  const batch = LOOKUPS / ((performance.now() - t) / 1000);
  t = performance.now();
  store.compact(0);
  const compact = (performance.now() - t) / 1000;
  const pointAfter = point();
  store.close();
  // Opening the compacted segment reads only its header and footer.
  const file = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".seg"))!.name;
  const seg = await Segment.open(`${dir}/${file}`);
  const opened = seg.openedBytes, size = seg.fileSize;
  seg.close();
  return { build, segments, pointBefore, batch, compact, pointAfter, opened, size };
}

async function runLevel(): Promise<Record<string, number>> {
  const { ClassicLevel } = await import("classic-level");
  const dir = `${root}/leveldb`;
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* fresh */ }
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  await db.open();
  let t = performance.now();
  for (let b = 0; b < N / BATCH; b++) {
    const ops = [];
    for (let i = 0; i < BATCH; i++) {
      const key = new Uint8Array(36);
      outpoint(b * BATCH + i, key, 0);
      const value = new Uint8Array(8);
      new DataView(value.buffer).setFloat64(0, b * BATCH + i, true);
      ops.push({ type: "put" as const, key, value });
    }
    await db.batch(ops);
  }
  const build = (performance.now() - t) / 1000;
  const probe = lookupKeys(7);
  const point = async () => {
    const t0 = performance.now();
    let hits = 0;
    for (let q = 0; q < LOOKUPS; q++) {
      if ((await db.get(probe.subarray(q * 36, q * 36 + 36))) !== undefined) hits++;
    }
    if (hits !== LOOKUPS / 2) throw new Error(`leveldb: ${hits} hits`);
    return LOOKUPS / ((performance.now() - t0) / 1000);
  };
  const pointBefore = await point();
  t = performance.now();
  let hits = 0;
  for (let q = 0; q < LOOKUPS; q += 1000) {
    const keys = [];
    for (let i = 0; i < 1000; i++) keys.push(probe.subarray((q + i) * 36, (q + i + 1) * 36));
    for (const v of await db.getMany(keys)) if (v !== undefined) hits++;
  }
  if (hits !== LOOKUPS / 2) throw new Error(`leveldb batch: ${hits} hits`);
  const batch = LOOKUPS / ((performance.now() - t) / 1000);
  t = performance.now();
  await db.compactRange(new Uint8Array(36), new Uint8Array(36).fill(255));
  const compact = (performance.now() - t) / 1000;
  const pointAfter = await point();
  await db.close();
  return { build, segments: 0, pointBefore, batch, compact, pointAfter, opened: 0, size: 0 };
}

const mode = Deno.args[0];
if (mode === "blkpipe" || mode === "leveldb") {
  console.log(JSON.stringify(mode === "blkpipe" ? await runBlkpipe() : await runLevel()));
} else {
  Deno.mkdirSync(root, { recursive: true });
  const haveTime = (() => {
    try {
      return Deno.statSync("/usr/bin/time").isFile;
    } catch {
      return false;
    }
  })();
  const results: Record<string, Record<string, number>> = {};
  const rss: Record<string, string> = {};
  for (const engine of ["blkpipe", "leveldb"]) {
    const args = ["run", "-A", new URL(import.meta.url).pathname, engine, String(millions)];
    const argv = haveTime
      ? ["/usr/bin/time", "-v", Deno.execPath(), ...args]
      : [Deno.execPath(), ...args];
    const out = await new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(`${engine} run failed: ${err}`);
    results[engine] = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
    rss[engine] = m ? `${(Number(m[1]) / 1024).toFixed(0)} MiB` : "n/a";
  }
  const b = results.blkpipe!, l = results.leveldb!;
  const row = (name: string, x: number, y: number, unit: string, higherIsBetter: boolean) =>
    console.log(
      `  ${name.padEnd(30)} ${x.toFixed(unit === "s" ? 1 : 0).padStart(10)} ${unit.padEnd(10)} ${
        y.toFixed(unit === "s" ? 1 : 0).padStart(10)
      } ${unit.padEnd(10)} ${(higherIsBetter ? x / y : y / x).toFixed(2)}×`,
    );
  console.log(
    `\n${millions} M outpoints (36-byte keys), batches of ${BATCH}; ${
      LOOKUPS / 1e6
    } M lookups, 50% hits`,
  );
  console.log(
    `  ${"".padEnd(30)} ${"blkpipe".padStart(21)} ${"LevelDB".padStart(21)}  blkpipe advantage`,
  );
  row("build entries/s", N / b.build!, N / l.build!, "/s", true);
  row("point lookups/s (before compact)", b.pointBefore!, l.pointBefore!, "/s", true);
  row("batched lookups/s (1,000 keys)", b.batch!, l.batch!, "/s", true);
  row("compaction", b.compact!, l.compact!, "s", false);
  row("point lookups/s (after compact)", b.pointAfter!, l.pointAfter!, "/s", true);
  console.log(`  peak RSS: blkpipe ${rss.blkpipe}, LevelDB ${rss.leveldb}`);
  console.log(
    `  blkpipe: ${b.segments} segment(s) before compaction; opening the compacted ${
      (b.size! / 2 ** 20).toFixed(0)
    } MiB segment read ${(b.opened! / 2 ** 20).toFixed(1)} MiB (header + footer)`,
  );
}
