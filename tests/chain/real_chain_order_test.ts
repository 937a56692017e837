import { assertEquals, assertRejects, assertTrue } from "../_support/assert.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { fromHex } from "../../lib/bytes/hex.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { ReorgTooDeepError } from "../../lib/chain/chain_types.ts";
import { CorruptDataError } from "../../lib/bytes/errors.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { blkRecord, concatBytes, makeBlocksDir, readAndOrder } from "../_support/blocks_dir.ts";
import { realEntries, realFile, realTest } from "../_support/real_data.ts";

/** Splits a blk file into its records. */
function records(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 0; at < bytes.length;) {
    const len = v.getUint32(at + 4, true);
    out.push(bytes.subarray(at, at + 8 + len));
    at += 8 + len;
  }
  return out;
}

function expectedFirstBlocks(): string[] {
  return realEntries().filter((e) => e.file === "hadoopcryptoledger/firstblocks.blk").map((e) =>
    e.hash
  );
}

realTest("real mainnet blocks come out in height order with correct heights", async () => {
  const dir = makeBlocksDir([realFile("hadoopcryptoledger/firstblocks.blk")]);
  const run = await readAndOrder(dir, NETWORKS.mainnet);
  assertEquals(run.blocks.map((b) => b.height), Array.from({ length: 590 }, (_, i) => i));
  assertEquals(run.blocks.map((b) => hashToHex(b.hash)), expectedFirstBlocks());
  assertEquals(run.reports, []);
  assertEquals(run.skips, []);
});

realTest(
  "variants of the real data (reorder, XOR, split, padding, truncation, garbage) agree",
  async () => {
    const recs = records(realFile("hadoopcryptoledger/firstblocks.blk"));
    const expected = expectedFirstBlocks();
    const rng = new Prng(2009);
    // Out of order within windows of 16 (genesis first, as Bitcoin Core writes it).
    const shuffled = [recs[0]!];
    for (let i = 1; i < recs.length; i += 16) shuffled.push(...rng.shuffle(recs.slice(i, i + 16)));
    const files: Uint8Array[] = [];
    for (let i = 0; i < shuffled.length; i += 150) {
      const parts: Uint8Array[] = [];
      for (const r of shuffled.slice(i, i + 150)) {
        if (rng.chance(0.05)) {
          parts.push(
            rng.fill(new Uint8Array(rng.int(1, 300))).map((b) => b | 1),
          );
        }
        parts.push(r);
      }
      parts.push(new Uint8Array(rng.int(1, 5000))); // preallocation padding
      files.push(concatBytes(parts));
    }
    // A truncated copy of a record at the end of the last file (node still writing).
    const lastRecord = recs[recs.length - 1]!;
    files[files.length - 1] = concatBytes([files.at(-1)!, lastRecord.subarray(0, 100)]);
    const key = rng.fill(new Uint8Array(8));
    for (const variant of [{ key: undefined }, { key }]) {
      const dir = makeBlocksDir(files, variant.key);
      const opts: { key?: Uint8Array; bufferSize: number } = { bufferSize: 4099 };
      if (variant.key) opts.key = variant.key;
      const run = await readAndOrder(dir, NETWORKS.mainnet, opts);
      assertEquals(run.blocks.map((b) => hashToHex(b.hash)), expected);
      assertTrue(run.skips.some((s) => s.reason === "garbage"));
      assertTrue(run.skips.some((s) => s.reason === "truncated"));
      assertEquals(run.reports.filter((r) => r.kind !== "duplicate"), []);
    }
  },
);

realTest("fork chains resolve to the most-work chain; stale blocks are reported", async () => {
  const f = (p: string) => realFile(`btcd/${p}`);
  const dir = makeBlocksDir([
    concatBytes([f("blk_0_to_4.dat"), f("blk_3A.dat")]),
    concatBytes([f("blk_4A.dat"), f("blk_5A.dat")]),
  ]);
  const run = await readAndOrder(dir, NETWORKS.mainnet, { depth: 2 });
  const heights = run.blocks.map((b) => `${b.height}:${b.file}:${b.offset}`);
  assertEquals(heights, ["0:0:0", "1:0:293", "2:0:513", "3:0:1975", "4:1:0", "5:1:220"]);
  assertEquals(
    hashToHex(run.blocks[5]!.hash),
    realEntries().find((e) => e.file === "btcd/blk_5A.dat")!.hash,
  );
  assertEquals(run.reports.map((r) => `${r.kind}:${r.height}`), ["stale:3", "stale:4"]);
  // With depth 1 the side branch overtakes a block already emitted.
  const err = await assertRejects(
    () => readAndOrder(dir, NETWORKS.mainnet, { depth: 1 }),
    ReorgTooDeepError,
  );
  assertTrue(String(err).includes("--depth 2"), String(err));
});

realTest("regtest reorg (floresta test_reorg.json) picks the longer branch", async () => {
  const branches = JSON.parse(
    new TextDecoder().decode(realFile("floresta/test_reorg.json")),
  ) as string[][];
  const magic = NETWORKS.regtest.magic;
  const all = [...branches[0]!, ...branches[1]!].map((h) => blkRecord(magic, fromHex(h)));
  const dir = makeBlocksDir([concatBytes(all)]);
  const run = await readAndOrder(dir, NETWORKS.regtest);
  assertEquals(run.blocks.map((b) => b.height), Array.from({ length: 17 }, (_, i) => i));
  assertEquals(run.blocks[0]!.file, -1); // genesis not in the file: built in
  const idx = realEntries().filter((e) => e.file === "floresta/test_reorg.json");
  const branch1 = idx.filter((e) => e.loc.startsWith("[1]")).map((e) => e.hash);
  assertEquals(run.blocks.slice(6).map((b) => hashToHex(b.hash)), branch1);
  assertEquals(run.reports.filter((r) => r.kind === "stale").length, 5);
});

realTest("blocks not linked to genesis are reported as orphans, never emitted", async () => {
  const dir = makeBlocksDir([realFile("hadoopcryptoledger/multiblock.blk")]);
  const run = await readAndOrder(dir, NETWORKS.mainnet);
  assertEquals(run.blocks.length, 1);
  assertEquals(run.reports.map((r) => r.kind), ["orphan", "orphan"]);
});

realTest("a wrong or missing XOR key is reported as such", async () => {
  const bytes = realFile("hadoopcryptoledger/firstblocks.blk");
  const key = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const dir = makeBlocksDir([bytes], key);
  const wrong = await assertRejects(
    () => readAndOrder(dir, NETWORKS.mainnet, { key: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9) }),
    CorruptDataError,
  ) as CorruptDataError;
  assertEquals(wrong.code, "wrong-xor-key");
  assertTrue(wrong.message.includes("0909090909090909"), wrong.message);
  const missing = await assertRejects(
    () => readAndOrder(dir, NETWORKS.mainnet),
    CorruptDataError,
  ) as CorruptDataError;
  assertEquals(missing.code, "no-records");
  assertTrue(missing.message.includes("xor.dat"), missing.message);
});
