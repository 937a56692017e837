import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { collect } from "../../lib/collect/collect.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { buildChainIndex } from "../../lib/index/build_index.ts";
import { cliCommand, indexFiles } from "../_support/archive_files.ts";
import { BROKEN, brokenChain } from "../_support/utxo_mutations.ts";

const base = Deno.makeTempDirSync({ prefix: "blkpipe-index-workers-" });

Deno.test("index: per-block checks on 0, 1 or 2 workers give byte-identical indexes", async () => {
  const chain = [...generateChain({ seed: 5, blocks: 200, targetBlockSize: 30_000 })];
  writeBlocksDir(`${base}/blocks`, chain, { seed: 5 });
  const runs = [];
  for (const workers of [0, 1, 2]) {
    const dir = `${base}/w${workers}`;
    await collect({ blocks: `${base}/blocks`, out: dir, includeTip: true, parity: false });
    // A tiny budget: many checkpoints and cache flushes in the middle of blocks.
    const r = await buildChainIndex(dir, { memBytes: 200 * 1024, validationWorkers: workers });
    assertEquals([r.rejected, r.validationWorkers, r.validationNote], [null, workers, null]);
    runs.push(indexFiles(dir));
  }
  assertEquals(runs[1], runs[0]);
  assertEquals(runs[2], runs[0]);
});

Deno.test("index: a block breaking a per-block rule, archived at --check headers, is rejected on workers too", async () => {
  // A transaction repeated in the block: bad-txns-duplicate (the precheck's finding).
  const blocks = brokenChain((b) => b.txs.push(b.txs[1]!));
  const gen: GenBlock[] = blocks.map((bytes, height) => ({
    height,
    hash: blockHash(bytes),
    bytes,
    kind: "main",
  }));
  writeBlocksDir(`${base}/dup-blocks`, gen, { seed: 1 });
  for (const workers of [0, 1]) {
    const dir = `${base}/dup-w${workers}`;
    const s = await collect({
      blocks: `${base}/dup-blocks`,
      out: dir,
      includeTip: true,
      parity: false,
      checkLevel: "headers",
    });
    assertEquals(s.tip?.height, BROKEN);
    const r = await buildChainIndex(dir, { validationWorkers: workers });
    assertEquals([r.rejected?.height, r.rejected?.code, r.to], [
      BROKEN,
      "bad-txns-duplicate",
      BROKEN - 1,
    ]);
  }
});

Deno.test("index with only --allow-read=<archive> --allow-write=<archive>: checks on a worker all the same, same index", async () => {
  const chain = [...generateChain({ seed: 6, blocks: 120, targetBlockSize: 20_000 })];
  writeBlocksDir(`${base}/scoped-blocks`, chain, { seed: 6 });
  const lib = new URL("../../lib", import.meta.url).pathname;
  const runs = [];
  for (const [name, read] of [["scoped", ""], ["with-lib", `,${lib}`]]) {
    const dir = `${base}/${name}`;
    await collect({ blocks: `${base}/scoped-blocks`, out: dir, includeTip: true, parity: false });
    const r = await cliCommand("index.ts", [`--allow-read=${dir}${read}`, `--allow-write=${dir}`], [
      "--archive",
      dir,
      "--json",
    ]).output();
    const err = new TextDecoder().decode(r.stderr);
    assertEquals(r.code, 0, err);
    const summary = JSON.parse(new TextDecoder().decode(r.stdout));
    // Without lib/ the worker and the checkpoint thread load the modules' text index imported.
    assertEquals([summary.to, summary.validationWorkers, summary.segmentThread], [120, 1, true]);
    assertTrue(!err.includes("note:"), err);
    runs.push(indexFiles(dir));
  }
  assertEquals(runs[1], runs[0]);
});

Deno.test("index: a damaged frame stops the run with the same message on workers as on the main thread", async () => {
  const chain = [...generateChain({ seed: 8, blocks: 160, targetBlockSize: 30_000 })];
  writeBlocksDir(`${base}/damaged-blocks`, chain, { seed: 8 });
  const messages = [];
  for (const workers of [0, 1]) {
    const dir = `${base}/damaged-w${workers}`;
    await collect({
      blocks: `${base}/damaged-blocks`,
      out: dir,
      includeTip: true,
      parity: false,
      frameBytes: 256 << 10,
    });
    const chunk = `${dir}/chunks/00000.blk.zst`;
    const bytes = Deno.readFileSync(chunk);
    for (let i = 0; i < 64; i++) bytes[(bytes.length >> 1) + i]! ^= 0x5a; // inside a middle frame
    Deno.writeFileSync(chunk, bytes);
    const err = await buildChainIndex(dir, { validationWorkers: workers }).then(
      () => null,
      (e: Error) => e.message.replaceAll(dir, "DIR"),
    );
    messages.push(err);
  }
  assertTrue(/DIR\/chunks\/00000.blk.zst.*frame/.test(messages[0] ?? ""), `${messages[0]}`);
  assertEquals(messages[1], messages[0]);
});
