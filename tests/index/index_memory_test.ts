import { assertEquals, assertThrows, assertTrue } from "../_support/assert.ts";
import { cliCommand, indexFiles } from "../_support/archive_files.ts";
import { loadSlot } from "../../lib/index/index_slots.ts";
import { collect } from "../../lib/collect/collect.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import {
  chainIndexMem,
  DEFAULT_PROCESS_MEM,
  INDEX_RSS_PER_BYTE,
  MemoryBudgetError,
  MIN_INDEX_MEM,
  MIN_PROCESS_MEM,
  minProcessMem,
  PER_EXTRA_WORKER,
  PROCESS_RESERVE,
} from "../../lib/index/index_memory.ts";
import { DEFAULT_INDEX_MEM } from "../../lib/index/chain_indexer.ts";

const MiB = 2 ** 20;

Deno.test("--mem: the index gets what the process leaves, never more than --mem", () => {
  let last = 0;
  for (let mem = MIN_PROCESS_MEM; mem <= 8192 * MiB; mem += 8 * MiB) {
    const own = chainIndexMem(mem);
    assertTrue(own <= mem, `${mem / MiB} MiB: index ${own / MiB} MiB`);
    assertTrue(own >= MIN_INDEX_MEM, `${mem / MiB} MiB: at least the floor`);
    assertTrue(own >= last, "more --mem never leaves the index less");
    // The process as measured: the reserve plus the index's resident part, within --mem.
    assertTrue(PROCESS_RESERVE + INDEX_RSS_PER_BYTE * own <= mem, `${mem / MiB} MiB fits`);
    assertEquals(own % MiB, 0, "whole MiB");
    last = own;
  }
  for (let extra = 1; extra <= 6; extra++) {
    const least = minProcessMem(extra);
    assertEquals(least, minProcessMem(0) + extra * PER_EXTRA_WORKER, `${extra} more workers`);
    assertThrows(() => chainIndexMem(least - MiB, extra), MemoryBudgetError);
    for (let mem = least; mem <= 4096 * MiB; mem += 64 * MiB) {
      const own = chainIndexMem(mem, extra);
      const reserve = PROCESS_RESERVE + extra * PER_EXTRA_WORKER;
      assertTrue(reserve + INDEX_RSS_PER_BYTE * own <= mem, `${extra}: ${mem / MiB} MiB fits`);
      assertTrue(own <= chainIndexMem(mem), "more workers never leave the index more");
    }
  }
  // Fewer workers than the default change nothing: both commands at their defaults agree.
  assertEquals(chainIndexMem(DEFAULT_PROCESS_MEM, -1), chainIndexMem(DEFAULT_PROCESS_MEM));
  assertEquals(DEFAULT_INDEX_MEM, chainIndexMem(DEFAULT_PROCESS_MEM), "library default = CLI's");
  assertTrue(
    DEFAULT_INDEX_MEM < DEFAULT_PROCESS_MEM,
    "1 GiB for the process is less for the index",
  );
  const e = assertThrows(() => chainIndexMem(MIN_PROCESS_MEM - MiB), MemoryBudgetError);
  assertTrue(String(e).includes(`below the ${MIN_PROCESS_MEM / MiB}MiB`), String(e));
  assertThrows(() => chainIndexMem(Number.NaN), MemoryBudgetError);
});

const base = Deno.makeTempDirSync({ prefix: "blkpipe-index-mem-" });
writeBlocksDir(`${base}/blocks`, generateChain({ seed: 31, blocks: 40, targetBlockSize: 4_000 }), {
  seed: 31,
});
const archive = `${base}/archive`;
const tip =
  (await collect({ blocks: `${base}/blocks`, out: archive, includeTip: true, parity: false }))
    .height;
const perms = ["--allow-read", "--allow-write", "--allow-env=HOME"];
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs a CLI script; its exit code, stdout and stderr. */
async function run(script: string, ...args: string[]) {
  const r = await cliCommand(script, perms, args).output();
  return { code: r.code, out: text(r.stdout), err: text(r.stderr) };
}
const index = (...args: string[]) => run("index.ts", "--archive", archive, ...args);
const collectCli = (...args: string[]) => run("collect.ts", "--blocks", `${base}/blocks`, ...args);

Deno.test("index and collect --check utxo: a --mem below the minimum is refused in one line", async () => {
  for (
    const r of [
      await index("--mem", "300MiB"),
      await collectCli("--out", `${base}/c`, "--check", "utxo", "--mem", "300MiB"),
    ]
  ) {
    assertEquals(r.code, 2, `usage error: ${r.err}`);
    const first = r.err.split("\n")[0]!;
    assertTrue(first.includes("--mem 300MiB is below the 548MiB"), first);
    assertTrue(first.includes("--index-mem"), "names the way around");
  }
  const full = await collectCli("--out", `${base}/c`, "--mem", "2GiB");
  assertEquals(full.code, 2, "--mem without --check utxo");
  assertTrue(full.err.startsWith("error: --mem needs --check utxo"), full.err);
  // Workers above the default count against --mem too.
  const busy = await index("--workers", "3", "--mem", `${MIN_PROCESS_MEM / MiB}MiB`);
  assertEquals(busy.code, 2, "index --workers 3 at the least --mem of one worker");
  assertTrue(busy.err.includes(`below the ${minProcessMem(2) / MiB}MiB`), busy.err);
  const both = await index("--mem", "1GiB", "--index-mem", "1MiB");
  assertEquals(both.code, 2);
  assertTrue(both.err.includes("not both"), both.err);
  const names = [...Deno.readDirSync(`${archive}/index`)].map((e) => e.name);
  assertEquals(names.filter((n) => n !== "heights.idx"), [], "nothing indexed");
});

Deno.test("index --json reports the index's budget: from --mem, or --index-mem as given", async () => {
  for (
    const [flag, value, expected] of [
      ["--index-mem", "300KiB", 300 * 1024],
      ["--mem", "600MiB", chainIndexMem(600 * MiB)],
    ] as const
  ) {
    const r = await index("--index-dir", `${base}/by-${flag.slice(2)}`, flag, value, "--json");
    assertEquals(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assertEquals(out.indexMem, expected, `${flag} ${value}`);
    assertEquals([out.to, out.rejected], [tip, null], "indexed to the tip");
  }
});

Deno.test("collect --check utxo and index at the same --mem: the same budget, identical index files", async () => {
  const collected = `${base}/collected`;
  const c = await collectCli(
    ...["--out", collected, "--include-tip", "--no-parity", "--check", "utxo", "--mem", "600MiB"],
  );
  assertEquals(c.code, 0, c.err);
  const indexed = `${base}/by-mem`; // the index job's run at --mem 600MiB above
  // The slot records the checkpoint spacing the budget gave (a quarter of it, 27 bytes a unit).
  const every = Math.floor(chainIndexMem(600 * MiB) / 4 / 27);
  for (const dir of [collected, indexed]) {
    assertEquals(loadSlot(dir, tip)?.slot.checkpointEvery, every, dir);
  }
  const a = indexFiles(collected).filter(([k]) => k !== "heights.idx");
  const b = indexFiles(indexed).filter(([k]) => k !== "heights.idx");
  assertEquals(a.map(([k]) => k), b.map(([k]) => k), "the same files");
  for (const [i, [k, v]] of a.entries()) assertEquals(v, b[i]![1], k);
});
