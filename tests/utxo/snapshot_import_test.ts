import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { collect } from "../../lib/collect/collect.ts";
import type { GenBlock } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { exportSnapshot } from "../../lib/index/export_snapshot.ts";
import { exportUtxoCheckpoint } from "../../lib/index/export_checkpoint.ts";
import { SnapshotWriter } from "../../lib/utxo/snapshot_writer.ts";
import { OutpointIndex } from "../../lib/index/outpoint_index.ts";
import { cliCommand } from "../_support/archive_files.ts";
import { outputsOf } from "../_support/chain_outputs.ts";
import { BROKEN, brokenChain, CHAIN, MUTATIONS } from "../_support/utxo_mutations.ts";

const dir = Deno.makeTempDirSync({ prefix: "blkpipe-import-" });
const BASE = 200;
const asGen = (blocks: Uint8Array[]): GenBlock[] =>
  blocks.map((bytes, height) => ({ height, hash: blockHash(bytes), bytes, kind: "main" }));

async function archiveOf(name: string, blocks: GenBlock[], options: Record<string, unknown> = {}) {
  writeBlocksDir(`${dir}/${name}-blocks`, blocks, { seed: 1 });
  await collect({
    blocks: `${dir}/${name}-blocks`,
    out: `${dir}/${name}`,
    includeTip: true,
    parity: false,
    ...options,
  });
  return `${dir}/${name}`;
}

// A snapshot at height 200, exported from an archive indexed to there; a reference indexed from genesis.
const early = await archiveOf("early", CHAIN, { checkLevel: "utxo", toHeight: BASE });
const snapshot = `${dir}/utxo-200.dat`;
assertEquals((await exportSnapshot(early, snapshot)).height, BASE);
const reference = await archiveOf("reference", CHAIN, { checkLevel: "utxo" });
const blkpipeSnapshot = `${dir}/utxo-200.blkpipe`;
assertEquals((await exportUtxoCheckpoint(early, blkpipeSnapshot)).height, BASE);
const importCli = (archive: string, file = snapshot) =>
  cliCommand("checkpoint.ts", ["--allow-read", "--allow-write"], [
    "import",
    "--archive",
    archive,
    "--snapshot",
    file,
    "--json",
  ]).output();
const collectCli = (name: string, args: string[]) =>
  cliCommand("collect.ts", ["--allow-read", "--allow-write"], [
    "--blocks",
    `${dir}/${name}-blocks`,
    "--out",
    `${dir}/${name}`,
    "--include-tip",
    "--no-parity",
    "--check",
    "utxo",
    "--json",
    ...args,
  ]).output();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

for (const [format, file] of [["Core's", snapshot], ["blkpipe's", blkpipeSnapshot]] as const) {
  Deno.test(`checkpoint import (${format} format): rules from the base on, lookups equal an index built from genesis`, async () => {
    const archive = await archiveOf(`imported-${format[0]}`, CHAIN); // collected at full: no index
    const r = await importCli(archive, file);
    assertEquals(r.code, 0, text(r.stderr));
    const j = JSON.parse(text(r.stdout));
    assertEquals([j.height, j.to, j.rejected], [BASE, CHAIN.length - 1, null]);
    await sameLookups(archive);
  });
}

Deno.test("collect --utxo-snapshot: from blk files, the base still to come; resumed across the base", async () => {
  writeBlocksDir(`${dir}/assumed-blocks`, CHAIN, { seed: 1 });
  const first = await collectCli("assumed", ["--to-height", "150", "--utxo-snapshot", snapshot]);
  assertEquals(first.code, 0, text(first.stderr));
  assertEquals(JSON.parse(text(first.stdout)).snapshotBasePending, hashToHex(CHAIN[BASE]!.hash));
  assertTrue(text(first.stderr).includes("not archived yet"), text(first.stderr));
  const index = await cliCommand("index.ts", ["--allow-read", "--allow-write"], [
    "--archive",
    `${dir}/assumed`,
    "--json",
  ]).output();
  assertEquals(JSON.parse(text(index.stdout)).snapshotBasePending, hashToHex(CHAIN[BASE]!.hash));
  assertTrue(text(index.stderr).includes("not in the archive yet"), text(index.stderr));
  const second = await collectCli("assumed", ["--utxo-snapshot", snapshot]);
  assertEquals(second.code, 0, text(second.stderr));
  const j = JSON.parse(text(second.stdout));
  assertEquals([j.tip.height, j.snapshotBasePending, j.rejected], [CHAIN.length - 1, null, 0]);
  await sameLookups(`${dir}/assumed`);
  // A snapshot with the same base block is the same start; an index built from genesis refuses one.
  const other = await collectCli("assumed", ["--utxo-snapshot", `${dir}/utxo-200.blkpipe`]);
  assertEquals(other.code, 0, text(other.stderr)); // same base block: the same start
  const genesis = await collectCli("reference", ["--utxo-snapshot", snapshot]);
  assertEquals(genesis.code, 1);
  assertTrue(text(genesis.stderr).includes("already has a chain index"), text(genesis.stderr));
});

Deno.test("collect --utxo-snapshot: a double spend after the base is rejected, the archive stops before it", async () => {
  const blocks = brokenChain(MUTATIONS["a cross-block double spend"]!.mutate);
  writeBlocksDir(`${dir}/assumed-broken-blocks`, asGen(blocks), { seed: 1 });
  const r = await collectCli("assumed-broken", ["--utxo-snapshot", snapshot]);
  assertEquals(r.code, 1, text(r.stderr));
  assertEquals(JSON.parse(text(r.stdout)).tip.height, BROKEN - 1);
  const rejects = Deno.readTextFileSync(`${dir}/assumed-broken/rejects.jsonl`);
  assertTrue(rejects.includes("bad-txns-inputs-missingorspent"), rejects);
});

Deno.test("checkpoint import: another network's snapshot, or a block the archive has not at that height, is refused naming both; nothing written", async () => {
  const archive = await archiveOf("refused", CHAIN);
  const other = Deno.readFileSync(snapshot);
  other.set([0xf9, 0xbe, 0xb4, 0xd9], 7); // mainnet's magic: still a well-formed file
  Deno.writeFileSync(`${dir}/mainnet.dat`, other);
  // blkpipe's format names a height: a base block that is not the archive's block there.
  const w = new SnapshotWriter("regtest", CHAIN[1]!.hash.slice().reverse(), 0, undefined, {
    baseHeight: BASE,
  });
  w.add(CHAIN[1]!.hash, 0, 1, true, 50);
  Deno.writeFileSync(`${dir}/elsewhere.blkpipe`, w.bytes());
  const cases: Array<[string, string[]]> = [
    [`${dir}/mainnet.dat`, ["is a mainnet snapshot", "is regtest"]],
    [`${dir}/elsewhere.blkpipe`, [
      hashToHex(CHAIN[1]!.hash.slice().reverse()),
      hashToHex(CHAIN[BASE]!.hash),
      `height ${BASE}`,
    ]],
  ];
  for (const [file, expected] of cases) {
    const r = await importCli(archive, file);
    const err = text(r.stderr).trim();
    assertEquals(r.code, 1, err);
    assertTrue(expected.every((e) => err.includes(e)) && !err.includes("\n"), err);
    assertEquals([...Deno.readDirSync(`${archive}/index`)].map((e) => e.name), ["heights.idx"]);
  }
});

/** Every fifth output of CHAIN looks the same in `archive` as in the reference built from genesis. */
async function sameLookups(archive: string): Promise<void> {
  const { created } = outputsOf(CHAIN);
  const a = await OutpointIndex.open(archive), b = await OutpointIndex.open(reference);
  try {
    let k = 0;
    for (const key of created.keys()) {
      if (k++ % 5 !== 0) continue;
      const [txid, vout] = key.split(":");
      const id = Uint8Array.from(txid!.match(/../g)!.reverse(), (h) => parseInt(h, 16));
      assertEquals(await a.find(id, Number(vout)), await b.find(id, Number(vout)), key);
    }
    assertTrue(k > 1000, `${k} outputs`);
  } finally {
    a.close();
    b.close();
  }
}

Deno.test("checkpoint import: a double spend after the base is still caught", async () => {
  const blocks = brokenChain(MUTATIONS["a cross-block double spend"]!.mutate);
  const archive = await archiveOf("broken", asGen(blocks));
  const r = await importCli(archive);
  assertEquals(r.code, 1);
  const err = new TextDecoder().decode(r.stderr);
  assertTrue(
    err.includes("bad-txns-inputs-missingorspent") && err.includes(`height ${BROKEN}`),
    err,
  );
});

Deno.test("checkpoint import: a base block the archive does not hold is a clear error; nothing written", async () => {
  const archive = await archiveOf("short", CHAIN, { toHeight: 150 });
  const r = await importCli(archive);
  assertEquals(r.code, 1);
  const err = new TextDecoder().decode(r.stderr);
  assertTrue(err.includes(hashToHex(CHAIN[BASE]!.hash)) && err.includes("not in"), err);
  assertEquals([...Deno.readDirSync(`${archive}/index`)].map((e) => e.name), ["heights.idx"]);
});
