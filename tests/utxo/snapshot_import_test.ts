import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { collect } from "../../lib/collect/collect.ts";
import type { GenBlock } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { exportSnapshot } from "../../lib/index/export_snapshot.ts";
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
const importCli = (archive: string) =>
  cliCommand("checkpoint.ts", ["--allow-read", "--allow-write"], [
    "import",
    "--archive",
    archive,
    "--snapshot",
    snapshot,
    "--json",
  ]).output();

Deno.test("checkpoint import: rules from the base on, lookups equal an index built from genesis", async () => {
  const archive = await archiveOf("imported", CHAIN); // collected at full: no index yet
  const r = await importCli(archive);
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const j = JSON.parse(new TextDecoder().decode(r.stdout));
  assertEquals([j.height, j.to, j.rejected], [BASE, CHAIN.length - 1, null]);
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
});

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
