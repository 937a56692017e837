import { assertEquals, assertTrue } from "../_support/assert.ts";
import { hashFromHex, hashToHex } from "../../lib/bytes/hex.ts";
import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { collect } from "../../lib/collect/collect.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { buildChainIndex } from "../../lib/index/build_index.ts";
import { TxidIndex } from "../../lib/index/txid_index.ts";
import { OutpointIndex } from "../../lib/index/outpoint_index.ts";
import { exportSnapshot } from "../../lib/index/export_snapshot.ts";
import { readSnapshot } from "../../lib/utxo/snapshot_reader.ts";
import { cliCommand } from "../_support/archive_files.ts";
import { pathExists } from "../../lib/store/local_store.ts";
import { loadSlot } from "../../lib/index/index_slots.ts";
import { CHAIN_INDEX_PATHS } from "../../lib/index/chain_index_format.ts";
import { makeBlocksDir } from "../_support/blocks_dir.ts";
import { realFile, realTest } from "../_support/real_data.ts";

const F4184 = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";
const base = Deno.makeTempDirSync({ prefix: "blkpipe-txid-" });
const chain: GenBlock[] = [
  ...generateChain({ seed: 71, blocks: 240, targetBlockSize: 40_000, forkRate: 0.05 }),
];
writeBlocksDir(`${base}/blocks`, chain, { seed: 71, shuffleWindow: 8 });
const opts = { blocks: `${base}/blocks`, includeTip: true, parity: false as const };

/** Every main-chain transaction: txid (internal order), height, index, bytes. */
const expected = chain.filter((b) => b.kind === "main").flatMap((b) => {
  const layout = new BlockLayout().parse(b.bytes);
  const ids = computeTxids(layout);
  return Array.from({ length: layout.txCount }, (_, i) => ({
    txid: ids.slice(32 * i, 32 * i + 32),
    height: b.height,
    index: i,
    bytes: b.bytes.slice(layout.txStart[i]!, layout.txEnd[i]!),
  }));
});

async function assertAllFound(dir: string, every = 1, blooms = true): Promise<void> {
  const index = await TxidIndex.open(dir, { blooms });
  try {
    for (let k = 0; k < expected.length; k += every) {
      const e = expected[k]!;
      const found = await index.find(e.txid);
      assertTrue(found !== null, `tx ${hashToHex(e.txid)} at ${e.height}:${e.index} not found`);
      assertEquals([found!.at.height, found!.at.index], [e.height, e.index]);
      assertEquals(found!.tx, e.bytes);
    }
    const absent = expected[0]!.txid.slice();
    absent[31]! ^= 0xff;
    assertEquals(await index.find(absent), null);
  } finally {
    index.close();
  }
}

Deno.test("txid index: every transaction of a generated chain is found, byte for byte; the chain passes the UTXO rules", async () => {
  const dir = `${base}/whole`;
  await collect({ ...opts, out: dir });
  const r = await buildChainIndex(dir, { checkpointEvery: 2000 });
  assertEquals(r.rejected, null);
  assertEquals(r.totalTxs, expected.length);
  assertTrue(r.indexBytes / r.totalTxs <= 1000, `${(r.indexBytes / r.totalTxs).toFixed(1)} B/tx`);
  await assertAllFound(dir);
  await assertAllFound(dir, 1, false); // as `get` opens it: segments without bloom filters
});

Deno.test("txid index: extended after the archive grew; a rerun with nothing new changes nothing", async () => {
  const dir = `${base}/grown`;
  await collect({ ...opts, out: dir, toHeight: 120 });
  await buildChainIndex(dir, { checkpointEvery: 1500 });
  await collect({ ...opts, out: dir });
  const r = await buildChainIndex(dir, { checkpointEvery: 1500 });
  assertEquals(r.from, 121);
  assertEquals(r.totalTxs, expected.length);
  const again = await buildChainIndex(dir);
  assertEquals(again.txs, 0);
  await assertAllFound(dir, 3);
});

Deno.test("txid index: kill -9 at random instants, then a rerun finds everything", async () => {
  const dir = `${base}/killed`;
  await collect({ ...opts, out: dir });
  const rng = new Prng(17);
  const perms = ["--allow-read", "--allow-write"];
  for (let i = 0; i < 6; i++) {
    const child = cliCommand("index.ts", perms, ["--archive", dir, "--checkpoint-every", "500"])
      .spawn();
    await new Promise((r) => setTimeout(r, rng.int(60, 600)));
    try {
      child.kill("SIGKILL");
    } catch {
      // finished
    }
    await child.output();
  }
  const last = await cliCommand("index.ts", perms, [
    "--archive",
    dir,
    "--checkpoint-every",
    "500",
    "--json",
  ])
    .output();
  assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  assertEquals(JSON.parse(new TextDecoder().decode(last.stdout)).totalTxs, expected.length);
  await assertAllFound(dir, 5);
});

Deno.test("index stops on SIGINT at a block boundary with a checkpoint; the rerun completes", async () => {
  const dir = `${base}/interrupted`;
  await collect({ ...opts, out: dir });
  const perms = ["--allow-read", "--allow-write"];
  const args = ["--archive", dir, "--checkpoint-every", "300", "--json"];
  const child = cliCommand("index.ts", perms, args).spawn();
  // Interrupt once the first checkpoint is durable (a fixed delay could land before it on a slow
  // machine: then there is nothing to resume from, and nothing to test).
  for (
    let waited = 0;
    waited < 60_000 && !pathExists(`${dir}/index/checkpoint.json`);
    waited += 20
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    child.kill("SIGINT");
  } catch {
    // finished already
  }
  const first = await child.output();
  assertEquals(first.code, 0, new TextDecoder().decode(first.stderr));
  const stopped = JSON.parse(new TextDecoder().decode(first.stdout));
  const pointer = JSON.parse(Deno.readTextFileSync(`${dir}/index/checkpoint.json`));
  assertEquals(pointer.height, stopped.to); // what it reports is what is durable
  const tip = expected.at(-1)!.height;
  assertTrue(stopped.to < tip, `stopped at ${stopped.to}, tip ${tip}: the interrupt came too late`);
  const last = await cliCommand("index.ts", perms, args).output();
  assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  const done = JSON.parse(new TextDecoder().decode(last.stdout));
  assertEquals([done.from, done.totalTxs], [stopped.to + 1, expected.length]);
  await assertAllFound(dir, 7);
});

Deno.test("get --txid: JSON, hex and raw; unknown exit 1, malformed exit 2, no index a hint", async () => {
  const dir = `${base}/whole`;
  const e = expected[expected.length >> 1]!;
  const hex = hashToHex(e.txid);
  const get = (args: string[]) =>
    cliCommand("get.ts", [`--allow-read=${dir}`], ["--archive", dir, ...args]).output();
  const json = await get(["--txid", hex]);
  assertEquals(json.code, 0, new TextDecoder().decode(json.stderr));
  const j = JSON.parse(new TextDecoder().decode(json.stdout));
  assertEquals([j.txid, j.height, j.index], [hex, e.height, e.index]);
  assertEquals((await get(["--txid", hex, "--format", "raw"])).stdout, e.bytes);
  const unknown = await get(["--txid", "ab".repeat(32)]);
  assertEquals(unknown.code, 1);
  assertEquals((await get(["--txid", "abc"])).code, 2);
  const noIndex = await cliCommand("get.ts", [`--allow-read=${base}`], [
    "--archive",
    `${base}/grown-none`,
    "--txid",
    hex,
  ]).output();
  assertEquals(noIndex.code, 1);
});

Deno.test("get --txid / --outpoint on an archive grown past its index: says how to index the rest", async () => {
  const dir = `${base}/lagging`;
  await collect({ ...opts, out: dir, toHeight: 120 });
  await buildChainIndex(dir);
  await collect({ ...opts, out: dir });
  const get = (args: string[]) =>
    cliCommand("get.ts", [`--allow-read=${dir}`], ["--archive", dir, ...args]).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const later = hashToHex(expected.find((e) => e.height > 150)!.txid);
  const lagging = await get(["--txid", later]);
  assertEquals(lagging.code, 1);
  const tip = expected.at(-1)!.height;
  for (const part of ["not in the index", `up to 120 of the archive's ${tip}`, "deno task index"]) {
    assertTrue(text(lagging.stderr).includes(part), text(lagging.stderr));
  }
  // The coinbase of block 120 cannot be spent before 220: unspent as far as the index knows.
  const cb120 = hashToHex(expected.find((e) => e.height === 120 && e.index === 0)!.txid);
  const out = await get(["--outpoint", `${cb120}:0`]);
  assertEquals(out.code, 0, text(out.stderr));
  assertEquals(JSON.parse(text(out.stdout)).spent, false);
  assertTrue(text(out.stderr).includes(`blocks 121..${tip} are not indexed yet`), text(out.stderr));
  await buildChainIndex(dir);
  assertEquals((await get(["--txid", later])).code, 0);
  const unknown = await get(["--txid", "ab".repeat(32)]);
  assertEquals(unknown.code, 1);
  assertTrue(text(unknown.stderr).includes("not in the archive"), text(unknown.stderr));
  assertTrue(text(unknown.stderr).includes("all indexed"), text(unknown.stderr));
  assertEquals(text((await get(["--outpoint", `${cb120}:0`])).stderr), "");
});

realTest(
  "real mainnet 0..589 at --check utxo: block 170 spends block 9's coinbase; txid and outpoint lookups",
  async () => {
    const dir = `${base}/mainnet`;
    const s = await collect({
      blocks: makeBlocksDir([realFile("hadoopcryptoledger/firstblocks.blk")]),
      out: dir,
      includeTip: true,
      parity: false,
      checkLevel: "utxo",
    });
    assertEquals([s.tip?.height, s.rejected], [589, 0]);
    const r = await buildChainIndex(dir);
    assertEquals([r.to, r.txs, r.rejected], [589, 0, null]); // collect kept the index in step
    const index = await OutpointIndex.open(dir);
    try {
      const found = await index.txids.find(
        hashFromHex("f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"),
      );
      assertEquals([found?.at.height, found?.at.index], [170, 1]);
      assertEquals(found!.tx.length, 275);
      const cb9 = hashFromHex("0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9");
      const o = await index.find(cb9, 0);
      assertEquals(
        [
          o?.value,
          o?.height,
          o?.coinbase,
          o?.spent,
          o?.spending_txid,
          o?.spending_vin,
          o?.spending_height,
        ],
        [
          5_000_000_000,
          9,
          true,
          true,
          "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
          0,
          170,
        ],
      );
      // Block 170's change output (40 BTC back to Satoshi) is spent in block 181.
      const change = await index.find(found!.at && hashFromHex(F4184), 1);
      assertEquals(
        [change?.value, change?.spent, change?.spending_txid, change?.spending_height],
        [
          4_000_000_000,
          true,
          "a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be",
          181,
        ],
      );
    } finally {
      index.close();
    }
    // The UTXO set at 589 holds every subsidy since block 1 (the genesis coinbase is not in it).
    const snap = await exportSnapshot(dir, `${base}/mainnet-589.dat`);
    const info = readSnapshot(`${base}/mainnet-589.dat`);
    assertEquals([snap.height, info.network, info.totalAmount], [
      589,
      "mainnet",
      589 * 5_000_000_000,
    ]);
  },
);

Deno.test("an index kept apart (--index-dir) finds the same transactions and refuses another archive", async () => {
  const a = `${base}/apart-a`, x = `${base}/apart-index`;
  await collect({ ...opts, out: a });
  await buildChainIndex(a, { indexDir: x });
  assertEquals(pathExists(`${a}/index/checkpoint.json`), false, "nothing written into the archive");
  const index = await TxidIndex.open(a, { indexDir: x });
  try {
    for (const t of expected.filter((_, i) => i % 97 === 0)) {
      const found = await index.find(t.txid);
      assertEquals([found?.at.height, found?.at.index], [t.height, t.index]);
    }
  } finally {
    index.close();
  }
  // Another chain's archive with this index: refused by readers and by the builder.
  const other = [...generateChain({ seed: 72, blocks: 240, targetBlockSize: 4_000 })];
  writeBlocksDir(`${base}/blocks-other`, other, { seed: 72 });
  const b = `${base}/apart-b`;
  await collect({ ...opts, blocks: `${base}/blocks-other`, out: b });
  for (
    const open of [
      () => TxidIndex.open(b, { indexDir: x }),
      () => buildChainIndex(b, { indexDir: x }),
    ]
  ) {
    let error: Error | undefined;
    await open().then((r) => "close" in r && r.close(), (e) => error = e);
    assertTrue(error?.message.includes("another archive's index") ?? false, String(error));
  }
});

Deno.test("a pointer naming a slot a killed run already removed falls back to the other slot", () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-slots-" });
  Deno.mkdirSync(`${dir}/index`);
  const slot = { format: "blkpipe-chain-index", version: 1, height: 40 };
  Deno.writeTextFileSync(`${dir}/${CHAIN_INDEX_PATHS.slot("a")}`, JSON.stringify(slot));
  // The run was killed after removing slot b (beyond the archive) but before re-pointing at a.
  Deno.writeTextFileSync(
    `${dir}/${CHAIN_INDEX_PATHS.pointer}`,
    JSON.stringify({ slot: "b", height: 90 }),
  );
  const found = loadSlot(dir, 60);
  assertEquals([found?.name, found?.slot.height], ["a", 40]);
  assertEquals(JSON.parse(Deno.readTextFileSync(`${dir}/${CHAIN_INDEX_PATHS.pointer}`)).slot, "a");
});
