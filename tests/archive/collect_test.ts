import { assertEquals, assertTrue } from "../_support/assert.ts";
import { ArchiveReader } from "../../lib/archive/archive_reader.ts";
import { collect } from "../../lib/collect/collect.ts";
import { verifyCollected as verifyArchive } from "../../lib/collect/verify_collected.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { pushNumber } from "../../lib/bitcoin/script_push.ts";
import { decodeBlock, reseal, setHeader } from "../_support/block_model.ts";
import { blkRecord, concatBytes, makeBlocksDir } from "../_support/blocks_dir.ts";
import { realEntries, realFile, realTest } from "../_support/real_data.ts";
import { assertSameArchive, readTree } from "../_support/archive_files.ts";

/** All chunks decompressed frame by frame through the seek tables, concatenated. */
async function decompressAll(dir: string): Promise<Uint8Array> {
  const r = await ArchiveReader.open(dir);
  const parts: Uint8Array[] = [];
  for (const c of r.manifest.chunks) {
    const { entries } = await r.chunk(c.id);
    for (let f = 0; f < entries.length; f++) parts.push((await r.frame(c.id, f)).slice());
  }
  r.close();
  return concatBytes(parts);
}

function zstdCli(): boolean {
  try {
    return new Deno.Command("zstd", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function zstdDecompress(path: string): Promise<Uint8Array> {
  const out = await new Deno.Command("zstd", {
    args: ["-d", "-c", path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return out.stdout;
}

function tmp(prefix: string): string {
  return Deno.makeTempDirSync({ prefix });
}

realTest("real mainnet blocks: the archive decompresses to the linearized blk file", async () => {
  const file = realFile("hadoopcryptoledger/firstblocks.blk"); // heights 0..589, already in order
  const blocks = makeBlocksDir([file]);
  const out = `${tmp("blkpipe-arch-")}/a`;
  const s = await collect({
    includeTip: true,
    blocks,
    out,
    chunkPolicy: { blocks: 200 },
    frameBytes: 16 << 10,
  });
  assertEquals(s.tip?.height, 589);
  assertEquals(
    s.tip?.hash,
    realEntries().filter((e) => e.file === "hadoopcryptoledger/firstblocks.blk")[589]!.hash,
  );
  assertEquals(await decompressAll(out), file);
  const report = await verifyArchive(out);
  assertEquals(report.problems, []);
  assertEquals(report.blocks, 590);
  const r = await ArchiveReader.open(out);
  assertEquals(r.manifest.chunks.map((c) => [c.firstHeight, c.lastHeight, c.open]), [
    [0, 199, false],
    [200, 399, false],
    [400, 589, true],
  ]);
  assertEquals(
    hashToHex((await r.record(123)).hash),
    realEntries().filter((e) => e.file === "hadoopcryptoledger/firstblocks.blk")[123]!.hash,
  );
  r.close();
  if (zstdCli()) {
    const viaCli = concatBytes(
      await Promise.all([0, 1, 2].map((i) => zstdDecompress(`${out}/chunks/0000${i}.blk.zst`))),
    );
    assertEquals(viaCli, file);
  } else console.warn("zstd CLI not installed: CLI decompression check skipped");
});

const chain: GenBlock[] = [
  ...generateChain({
    seed: 21,
    blocks: 260,
    targetBlockSize: 40_000,
    forkRate: 0.05,
    orphanRate: 0.03,
  }),
];
const mainRecords = concatBytes(
  chain.filter((b) => b.kind === "main").map((b) => blkRecord(NETWORKS.regtest.magic, b.bytes)),
);

function genDir(opts: Parameters<typeof writeBlocksDir>[2] = {}): string {
  const dir = tmp("blkpipe-genblocks-");
  writeBlocksDir(dir, chain, {
    seed: 21,
    maxFileSize: 1 << 20,
    shuffleWindow: 12,
    damage: { padTo: 1 << 18, garbageRate: 0.02, tornRate: 0.02, truncateTail: true },
    ...opts,
  });
  return dir;
}

Deno.test("generated chain: archive equals the main chain's linearized records; get by height and hash", async () => {
  const blocks = genDir();
  const out = `${tmp("blkpipe-arch-")}/a`;
  const s = await collect({
    includeTip: true,
    blocks,
    out,
    chunkPolicy: { bytes: 3 << 20 },
    frameBytes: 256 << 10,
  });
  assertEquals(s.tip?.height, 260);
  assertTrue(s.skips > 0 && s.pending > 0, "damage was skipped and orphans wait for their parent");
  assertEquals(await decompressAll(out), mainRecords);
  assertEquals((await verifyArchive(out)).problems, []);
  const r = await ArchiveReader.open(out);
  const h = 137;
  assertEquals(await r.readBlock(h), chain.find((b) => b.kind === "main" && b.height === h)!.bytes);
  assertEquals(
    await r.findHeight(chain.find((b) => b.kind === "main" && b.height === 200)!.hash),
    200,
  );
  r.close();
  const lines = Deno.readTextFileSync(`${out}/rejects.jsonl`).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertTrue(lines.some((l) => l.kind === "skip" && l.file && l.offset >= 0 && l.reason));
});

Deno.test("stage directory, XOR and a second run on a grown directory", async () => {
  const key = Uint8Array.of(1, 3, 5, 7, 9, 11, 13, 15);
  const full = genDir({ xorKey: key });
  const names = [...Deno.readDirSync(full)].map((e) => e.name).filter((n) => n.startsWith("blk"))
    .sort();
  // First run sees only the first half of the files.
  const partial = tmp("blkpipe-partial-");
  Deno.copyFileSync(`${full}/xor.dat`, `${partial}/xor.dat`);
  for (const n of names.slice(0, Math.ceil(names.length / 2))) {
    Deno.copyFileSync(`${full}/${n}`, `${partial}/${n}`);
  }
  const out = `${tmp("blkpipe-arch-")}/a`;
  const stage = tmp("blkpipe-stage-");
  const first = await collect({
    includeTip: true,
    blocks: partial,
    out,
    stage,
    xorKey: key,
    chunkPolicy: { blocks: 70 },
  });
  assertTrue(first.tip!.height < 260);
  for (const n of names) Deno.copyFileSync(`${full}/${n}`, `${partial}/${n}`);
  const second = await collect({ includeTip: true, blocks: partial, out, stage, xorKey: key });
  assertEquals(second.resumed, true);
  assertEquals(second.tip?.height, 260);
  assertEquals(await decompressAll(out), mainRecords);
  assertEquals((await verifyArchive(out)).problems, []);
  assertEquals([...Deno.readDirSync(`${stage}/chunks`)].length, 0); // sealed chunks left the stage
});

Deno.test("a stopped run (abort) resumes to a byte-identical archive; --to-height stops there", async () => {
  const blocks = genDir();
  const base = tmp("blkpipe-arch-");
  const opts = {
    blocks,
    chunkPolicy: { blocks: 90 },
    frameBytes: 64 << 10,
    checkpointBytes: 128 << 10,
  } as const;
  await collect({ includeTip: true, ...opts, out: `${base}/ref` });
  // Aborted from the start: stops at the end of the first frame, with a resume point.
  const ac = new AbortController();
  ac.abort();
  const first = await collect({ includeTip: true, ...opts, out: `${base}/b`, signal: ac.signal });
  assertEquals(first.interrupted, true);
  assertTrue(first.blocks > 0 && first.tip!.height < 100, `stopped at ${first.tip?.height}`);
  const again = await collect({ includeTip: true, ...opts, out: `${base}/b` });
  assertEquals(again.resumed, true);
  assertEquals(again.tip?.height, 260);
  assertSameArchive(`${base}/b`, `${base}/ref`, "after abort + resume");
  const c = await collect({ includeTip: true, ...opts, out: `${base}/c`, toHeight: 100 });
  assertEquals(c.tip?.height, 100);
  assertEquals((await verifyArchive(`${base}/c`)).problems, []);
  await collect({ includeTip: true, ...opts, out: `${base}/c` });
  assertEquals(await decompressAll(`${base}/c`), mainRecords);
});

Deno.test("the periodic integrity check re-reads frames during collect", async () => {
  const blocks = genDir();
  const out = `${tmp("blkpipe-arch-")}/a`;
  const s = await collect({
    includeTip: true,
    blocks,
    out,
    frameBytes: 64 << 10,
    checkpointBytes: 64 << 10,
    integrityEvery: 50,
  });
  assertTrue(s.checkedFrames > 10, `${s.checkedFrames} frames re-read`);
  assertEquals((await verifyArchive(out)).problems, []);
});

Deno.test("a second run with nothing new changes nothing (also when the last frame ends exactly at the tip)", async () => {
  const blocks = genDir();
  for (const frameBytes of [64 << 10, 96 << 10, 128 << 10, 200 << 10]) {
    const out = `${tmp("blkpipe-arch-")}/a`;
    await collect({ includeTip: true, blocks, out, frameBytes, checkpointBytes: 1 << 20 });
    const before = readTree(out);
    const again = await collect({
      includeTip: true,
      blocks,
      out,
      frameBytes,
      checkpointBytes: 1 << 20,
    });
    assertEquals(again.blocks, 0);
    assertEquals((await verifyArchive(out)).problems, [], `frame size ${frameBytes}`);
    const after = readTree(out);
    assertEquals([...after.keys()].sort(), [...before.keys()].sort());
    for (const [k, v] of before) assertEquals(after.get(k), v, `${k} (frame size ${frameBytes})`);
  }
});

Deno.test("by default the unburied tip waits for a later run, which follows a reorganisation of it", async () => {
  const base = tmp("blkpipe-tip-");
  const main = chain.filter((b) => b.kind === "main").slice(0, 101); // heights 0..100
  // A competing branch replacing 98..100 with 98'..103' (coinbase-only blocks).
  const fork: Uint8Array[] = [];
  let prev = main[97]!.hash;
  let time = new DataView(main[97]!.bytes.buffer, main[97]!.bytes.byteOffset).getUint32(68, true);
  for (let h = 98; h <= 103; h++) {
    const m = decodeBlock(main[Math.min(h, 100)]!.bytes);
    m.txs = m.txs.slice(0, 1);
    m.txs[0]!.inputs[0]!.script = new Uint8Array([...pushNumber(h), 0x04, 1, 2, 3, 4]);
    setHeader(m, { prev, time: ++time });
    const bytes = reseal(m);
    fork.push(bytes);
    prev = blockHash(bytes);
  }
  const write = (blocks: Uint8Array[]) =>
    concatBytes(blocks.map((b) => blkRecord(NETWORKS.regtest.magic, b)));
  Deno.mkdirSync(`${base}/blocks`);
  Deno.writeFileSync(`${base}/blocks/blk00000.dat`, write(main.map((b) => b.bytes)));
  const out = `${base}/a`;
  const first = await collect({ blocks: `${base}/blocks`, out });
  assertEquals(first.tip?.height, 94); // 100 − depth 6
  // The node reorganises: the fork arrives in the next file.
  Deno.writeFileSync(`${base}/blocks/blk00001.dat`, write(fork));
  const second = await collect({ blocks: `${base}/blocks`, out });
  assertEquals(second.tip?.height, 97); // 103' − 6
  const third = await collect({ blocks: `${base}/blocks`, out, includeTip: true });
  assertEquals(third.tip?.height, 103);
  const r = await ArchiveReader.open(out);
  for (let h = 98; h <= 103; h++) assertEquals(await r.readBlock(h), fork[h - 98], `height ${h}`);
  assertEquals(await r.readBlock(97), main[97]!.bytes);
  r.close();
  assertEquals((await verifyArchive(out)).problems, []);
});

Deno.test("a record still being written at the end of the newest file is picked up by the next run", async () => {
  const base = tmp("blkpipe-tailwrite-");
  const main = chain.filter((b) => b.kind === "main").slice(0, 161).map((b) =>
    blkRecord(NETWORKS.regtest.magic, b.bytes)
  );
  const padded = (parts: Uint8Array[]) => {
    const body = concatBytes(parts);
    const out = new Uint8Array(Math.ceil((body.length + 1) / 65536) * 65536); // preallocated zeros
    out.set(body);
    return out;
  };
  Deno.mkdirSync(`${base}/blocks`);
  const file = `${base}/blocks/blk00000.dat`;
  const half = main[150]!.subarray(0, main[150]!.length >> 1);
  Deno.writeFileSync(file, padded([...main.slice(0, 150), half]));
  const out = `${base}/a`;
  const first = await collect({ blocks: `${base}/blocks`, out, includeTip: true });
  assertEquals(first.tip?.height, 149);
  assertEquals(first.skips, 0);
  assertEquals(Deno.readTextFileSync(`${out}/rejects.jsonl`), "");
  // The node finishes writing block 150 and appends more.
  Deno.writeFileSync(file, padded(main));
  const second = await collect({ blocks: `${base}/blocks`, out, includeTip: true });
  assertEquals(second.tip?.height, 160);
  assertEquals(await decompressAll(out), concatBytes(main));
  assertEquals((await verifyArchive(out)).problems, []);
});

Deno.test("validation on workers and on the main thread: the same archive, the same rejection", async () => {
  const base = tmp("blkpipe-vworkers-");
  const main = chain.filter((b) => b.kind === "main").slice(0, 120);
  const bad = decodeBlock(main[60]!.bytes);
  bad.header[40]! ^= 1; // merkle root no longer matches
  const blocks = main.map((b) => b.bytes);
  blocks[60] = reseal(bad, { merkle: false });
  Deno.mkdirSync(`${base}/blocks`);
  Deno.writeFileSync(
    `${base}/blocks/blk00000.dat`,
    concatBytes(blocks.map((b) => blkRecord(NETWORKS.regtest.magic, b))),
  );
  const runs = [];
  for (const [validateOnWorkers, workers] of [[false, 2], [true, 2], [true, 1]] as const) {
    const out = `${base}/w${validateOnWorkers}${workers}`;
    const s = await collect({
      blocks: `${base}/blocks`,
      out,
      includeTip: true,
      validateOnWorkers,
      workers,
      chunkPolicy: { blocks: 25 },
      frameBytes: 4096, // many frames, compressed between the checks on the same workers
    });
    assertEquals(s.validationWorkers, validateOnWorkers ? workers : 0);
    assertEquals([s.rejected, s.tip?.height], [1, 59]);
    runs.push(out);
  }
  const rejects = Deno.readTextFileSync(`${runs[1]}/rejects.jsonl`);
  assertTrue(rejects.includes('"bad-txnmrklroot"'), rejects);
  assertSameArchive(runs[1]!, runs[0]!, "validated on workers vs on the main thread");
  assertSameArchive(runs[2]!, runs[0]!, "one worker validating and compressing");
});
