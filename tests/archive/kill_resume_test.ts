import { assertEquals, assertTrue } from "../_support/assert.ts";
import { verifyCollected as verifyArchive } from "../../lib/collect/verify_collected.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { assertSameArchive, cliCommand } from "../_support/archive_files.ts";

const KILLS = 20;

/** Waits until the files in `dir` hold `bytes` (true) or the process has exited (false). */
async function untilChunkBytes(
  dir: string,
  bytes: number,
  exited: Promise<unknown>,
): Promise<boolean> {
  let done = false;
  exited.then(() => done = true);
  while (!done) {
    let sum = 0;
    try {
      for (const e of Deno.readDirSync(dir)) {
        if (e.isFile) sum += Deno.statSync(`${dir}/${e.name}`).size;
      }
    } catch { /* not created yet */ }
    if (sum >= bytes) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

Deno.test(`kill -9 at ${KILLS} random instants, then resume: byte-identical archive`, async () => {
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-kill-" });
  const blocks = `${base}/blocks`;
  const key = Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2);
  writeBlocksDir(
    blocks,
    generateChain({
      seed: 99,
      blocks: 320,
      targetBlockSize: 80_000,
      forkRate: 0.05,
      orphanRate: 0.02,
    }),
    {
      seed: 99,
      maxFileSize: 2 << 20,
      shuffleWindow: 10,
      xorKey: key,
      damage: { padTo: 1 << 20, garbageRate: 0.02, tornRate: 0.01, truncateTail: true },
    },
  );
  const args = (out: string) => [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    out,
    "--chunk-blocks",
    "70",
    "--frame-size",
    "96KiB",
    "--checkpoint",
    "192KiB",
    "--quiet",
  ];
  const perms = ["--allow-read", "--allow-write"];
  // Reference: one uninterrupted run (in a subprocess too, same code path).
  const t0 = performance.now();
  const ref = await cliCommand("collect.ts", perms, args(`${base}/ref`)).output();
  const runMs = performance.now() - t0;
  assertEquals(ref.code, 0, new TextDecoder().decode(ref.stderr));
  // Kill runs at random instants until KILLS of them were killed mid-run; whenever a run gets
  // to the end, its archive must equal the reference and a fresh one starts.
  const rng = new Prng(4242);
  let landed = 0, archives = 0, attempt = 0;
  let out = `${base}/killed-0`;
  while (landed < KILLS) {
    if (++attempt > 8 * KILLS) {
      throw new Error(`only ${landed} kills landed in ${attempt} attempts`);
    }
    const child = cliCommand("collect.ts", perms, args(out)).spawn();
    await new Promise((r) => setTimeout(r, rng.int(30, Math.round(runMs))));
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    const status = await child.output();
    if (status.signal === "SIGKILL") {
      landed++;
      continue;
    }
    assertEquals(
      status.code,
      0,
      `collect run ${attempt} failed: ${new TextDecoder().decode(status.stderr)}`,
    );
    assertSameArchive(out, `${base}/ref`, `archive ${archives} after kills`);
    out = `${base}/killed-${++archives}`;
  }
  const last = await cliCommand("collect.ts", perms, args(out)).output();
  assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  assertSameArchive(out, `${base}/ref`, `final archive after ${landed} kills in total`);
  assertEquals((await verifyArchive(out)).problems, []);
});

Deno.test("SIGINT finishes the current frame, exits cleanly, and the next run completes", async () => {
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-sigint-" });
  writeBlocksDir(
    `${base}/blocks`,
    generateChain({ seed: 5, blocks: 400, targetBlockSize: 100_000 }),
    { seed: 5 },
  );
  const args = [
    "--include-tip",
    "--blocks",
    `${base}/blocks`,
    "--out",
    `${base}/a`,
    "--frame-size",
    "128KiB",
    "--checkpoint",
    "1MiB",
  ];
  const child = cliCommand("collect.ts", ["--allow-read", "--allow-write"], args).spawn();
  // Interrupted mid-run: as soon as the first MiB of chunks is written (not after a fixed delay,
  // which a faster collect outran), when most of the 40 MB are still to come.
  const midRun = await untilChunkBytes(`${base}/a/chunks`, 1 << 20, child.status);
  if (midRun) child.kill("SIGINT");
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  assertTrue(midRun, `collect ended before it had written 1 MiB: ${text}`);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertTrue(text.startsWith("interrupted"), text);
  const again = await cliCommand("collect.ts", ["--allow-read", "--allow-write"], [
    ...args,
    "--json",
  ]).output();
  assertEquals(again.code, 0);
  assertEquals(JSON.parse(new TextDecoder().decode(again.stdout)).tip.height, 400);
  assertEquals((await verifyArchive(`${base}/a`)).problems, []);
});

Deno.test("kill -9 during runs that extend an archive (reopened tail chunk): identical to uninterrupted", async () => {
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-killgrow-" });
  const full = `${base}/full`;
  writeBlocksDir(full, generateChain({ seed: 77, blocks: 260, targetBlockSize: 60_000 }), {
    seed: 77,
    maxFileSize: 3 << 20,
  });
  const names = [...Deno.readDirSync(full)].map((e) => e.name).filter((n) => n.startsWith("blk"))
    .sort();
  const stage = (dir: string, n: number) => {
    Deno.mkdirSync(dir, { recursive: true });
    for (const f of names.slice(0, n)) Deno.copyFileSync(`${full}/${f}`, `${dir}/${f}`);
  };
  const args = (blocks: string, out: string) => [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    out,
    "--frame-size",
    "96KiB",
    "--checkpoint",
    "192KiB",
    "--quiet",
  ];
  const perms = ["--allow-read", "--allow-write"];
  const run = (blocks: string, out: string) =>
    cliCommand("collect.ts", perms, args(blocks, out)).output();
  // Reference: half the files, then all of them, uninterrupted.
  stage(`${base}/ref-blocks`, Math.ceil(names.length / 2));
  assertEquals((await run(`${base}/ref-blocks`, `${base}/ref`)).code, 0);
  stage(`${base}/ref-blocks`, names.length);
  assertEquals((await run(`${base}/ref-blocks`, `${base}/ref`)).code, 0);
  // Same, with the second (extending) run killed at random instants, early ones included.
  const rng = new Prng(7);
  let landed = 0;
  for (let round = 0; landed < 8 && round < 40; round++) {
    const dir = `${base}/k${round}`;
    stage(`${dir}-blocks`, Math.ceil(names.length / 2));
    assertEquals((await run(`${dir}-blocks`, dir)).code, 0);
    stage(`${dir}-blocks`, names.length);
    const child = cliCommand("collect.ts", perms, args(`${dir}-blocks`, dir)).spawn();
    await new Promise((r) => setTimeout(r, rng.int(150, 700)));
    try {
      child.kill("SIGKILL");
    } catch {
      // finished already
    }
    if ((await child.output()).signal === "SIGKILL") landed++;
    const last = await run(`${dir}-blocks`, dir);
    assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
    assertSameArchive(dir, `${base}/ref`, `extension killed in round ${round}`);
  }
  assertTrue(landed >= 4, `only ${landed} kills landed`);
});
