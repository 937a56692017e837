import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { collect } from "../../lib/collect/collect.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { buildChainIndex } from "../../lib/index/build_index.ts";
import { OutpointIndex } from "../../lib/index/outpoint_index.ts";
import { cliCommand, indexFiles } from "../_support/archive_files.ts";
import { decodeBlock, reseal, setHeader } from "../_support/block_model.ts";
import { outputsOf } from "../_support/chain_outputs.ts";
import { BROKEN, brokenChain, CHAIN, MUTATIONS } from "../_support/utxo_mutations.ts";

const base = Deno.makeTempDirSync({ prefix: "blkpipe-collect-utxo-" });

function asGen(blocks: Uint8Array[]): GenBlock[] {
  return blocks.map((bytes, height) => ({ height, hash: blockHash(bytes), bytes, kind: "main" }));
}

for (const [what, { code, mutate }] of Object.entries(MUTATIONS)) {
  Deno.test(`collect --check utxo: ${what} → archive ends before it (${code}), child is invalid-ancestor`, async () => {
    const blocks = brokenChain(mutate);
    const child = decodeBlock(CHAIN[BROKEN + 1]!.bytes);
    setHeader(child, { prev: blockHash(blocks[BROKEN]!) });
    blocks.push(reseal(child));
    const dir = `${base}/broken-${code}-${what.length}`;
    writeBlocksDir(`${dir}/blocks`, asGen(blocks), { seed: 1 });
    const s = await collect({
      blocks: `${dir}/blocks`,
      out: `${dir}/archive`,
      includeTip: true,
      checkLevel: "utxo",
      parity: false,
      index: { checkpointEvery: 900 },
    });
    assertEquals(s.tip?.height, BROKEN - 1);
    const rejects = Deno.readTextFileSync(`${dir}/archive/rejects.jsonl`).trim().split("\n")
      .map((l) => JSON.parse(l));
    assertEquals(rejects.map((r) => [r.height, r.code]), [
      [BROKEN, code],
      [BROKEN + 1, "invalid-ancestor"],
    ]);
    // The index stops where the archive stops.
    const index = await OutpointIndex.open(`${dir}/archive`);
    assertEquals(index.txids.height, BROKEN - 1);
    index.close();
  });
}

// A bigger clean chain for the index checks (≈ 5,000 transactions, 25 checkpoints at 300 KiB).
const clean = [...generateChain({ seed: 71, blocks: 240, targetBlockSize: 40_000 })];
writeBlocksDir(`${base}/clean-blocks`, clean, { seed: 71, shuffleWindow: 8 });
const MEM = "300KiB"; // --index-mem, tiny: many checkpoints, UTXO spills between them
const MEM_BYTES = 300 * 1024;

function assertSameIndex(a: string, b: string, what: string): void {
  const x = indexFiles(a), y = indexFiles(b);
  assertEquals(x.map(([k]) => k), y.map(([k]) => k), `${what}: index files`);
  for (const [i, [k, v]] of y.entries()) {
    assertTrue(
      x[i]![1].length === v.length && x[i]![1].every((c, j) => c === v[j]),
      `${what}: ${k}`,
    );
  }
}

const reference = `${base}/reference`;
await collect({ blocks: `${base}/clean-blocks`, out: reference, includeTip: true, parity: false });
const built = await buildChainIndex(reference, { memBytes: MEM_BYTES });

Deno.test("collect --check utxo and the index job give byte-identical indexes", async () => {
  assertEquals(built.rejected, null);
  assertTrue(built.totalTxs > 4_000, `${built.totalTxs} transactions`);
  const dir = `${base}/collected`;
  const s = await collect({
    blocks: `${base}/clean-blocks`,
    out: dir,
    includeTip: true,
    parity: false,
    checkLevel: "utxo",
    index: { memBytes: MEM_BYTES },
  });
  assertEquals(s.rejected, 0);
  assertSameIndex(dir, reference, "collect --check utxo vs index");
});

Deno.test("kill -9 at random instants during collect --check utxo and during index: byte-identical indexes", async () => {
  const rng = new Prng(23);
  const perms = ["--allow-read", "--allow-write"];
  const collectArgs = (out: string) => [
    "--blocks",
    `${base}/clean-blocks`,
    "--out",
    out,
    "--include-tip",
    "--no-parity",
    "--check",
    "utxo",
    "--index-mem",
    MEM,
    "--checkpoint",
    "256KiB",
  ];
  const indexArgs = (dir: string) => ["--archive", dir, "--index-mem", MEM];
  const killed = `${base}/killed-collect`, killedIndex = `${base}/killed-index`;
  await collect({
    blocks: `${base}/clean-blocks`,
    out: killedIndex,
    includeTip: true,
    parity: false,
  });
  for (
    const [script, args] of [["collect.ts", collectArgs(killed)], [
      "index.ts",
      indexArgs(killedIndex),
    ]] as const
  ) {
    let landed = 0;
    for (let i = 0; i < 12 && landed < 5; i++) {
      const child = cliCommand(script, perms, [...args]).spawn();
      await new Promise((r) => setTimeout(r, rng.int(150, 1500)));
      try {
        child.kill("SIGKILL");
      } catch {
        // finished
      }
      if ((await child.output()).signal === "SIGKILL") landed++;
    }
    const last = await cliCommand(script, perms, [...args]).output();
    assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  }
  assertSameIndex(killed, reference, "after killed collect --check utxo runs");
  assertSameIndex(killedIndex, reference, "after killed index runs");
});

Deno.test("outpoint lookups equal what the generator knows (every 7th output)", async () => {
  const { created, spentBy } = outputsOf(clean);
  const index = await OutpointIndex.open(reference);
  try {
    let k = 0, spent = 0;
    for (const [key, c] of created) {
      if (k++ % 7 !== 0) continue;
      const [txid, vout] = key.split(":");
      const info = await index.find(
        Uint8Array.from(txid!.match(/../g)!.reverse(), (h) => parseInt(h, 16)),
        Number(vout),
      );
      const s = spentBy.get(key);
      if (s) spent++;
      assertEquals(info, {
        txid: txid!,
        vout: Number(vout),
        value: c.value,
        scriptpubkey: c.script,
        height: c.height,
        coinbase: c.coinbase,
        spent: s !== undefined,
        spending_txid: s?.txid ?? null,
        spending_vin: s?.vin ?? null,
        spending_height: s?.height ?? null,
      });
    }
    assertTrue(spent > 100, `${spent} spent outputs checked`);
  } finally {
    index.close();
  }
});

Deno.test("get --outpoint: JSON; unknown txid and vout out of range exit 1; malformed exit 2", async () => {
  const { spentBy } = outputsOf(clean);
  const [key, s] = [...spentBy][50]!;
  const get = (arg: string) =>
    cliCommand("get.ts", [`--allow-read=${reference}`], ["--archive", reference, "--outpoint", arg])
      .output();
  const ok = await get(key);
  assertEquals(ok.code, 0, new TextDecoder().decode(ok.stderr));
  const j = JSON.parse(new TextDecoder().decode(ok.stdout));
  assertEquals([j.spent, j.spending_txid, j.spending_vin, j.spending_height], [
    true,
    s.txid,
    s.vin,
    s.height,
  ]);
  assertEquals((await get(`${"ab".repeat(32)}:0`)).code, 1);
  const range = await get(`${key.split(":")[0]}:100000`);
  assertEquals(range.code, 1);
  assertTrue(new TextDecoder().decode(range.stderr).includes("does not exist"));
  for (
    const bad of ["xyz:0", `${"ab".repeat(32)}`, `${"ab".repeat(32)}:-1`, `${"ab".repeat(31)}:0`]
  ) {
    assertEquals((await get(bad)).code, 2, bad);
  }
});
