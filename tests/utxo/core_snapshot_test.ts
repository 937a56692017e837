import { assertEquals, assertTrue } from "../_support/assert.ts";
import { fromHex, hashToHex } from "../../lib/bytes/hex.ts";
import { readSnapshot } from "../../lib/utxo/snapshot_reader.ts";
import type { SnapshotCoin } from "../../lib/utxo/snapshot_format.ts";
import { SnapshotWriter } from "../../lib/utxo/snapshot_writer.ts";
import { cliCommand } from "../_support/archive_files.ts";
import { outputsOf } from "../_support/chain_outputs.ts";
import { collect } from "../../lib/collect/collect.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { exportSnapshot } from "../../lib/index/export_snapshot.ts";
import { exportUtxoCheckpoint } from "../../lib/index/export_checkpoint.ts";

const dir = Deno.makeTempDirSync({ prefix: "blkpipe-snapshot-" });
const base = fromHex("11".repeat(32));
const txid = (i: number) => Uint8Array.from({ length: 32 }, (_, k) => (i * 31 + k) & 255);
const scripts = [
  fromHex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"), // P2PKH
  fromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6"), // P2WPKH (stored as is)
  fromHex(
    "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac",
  ), // P2PK, uncompressed key
];

/** 7 coins in 3 txid groups. */
function sample(count = 7): Uint8Array {
  const w = new SnapshotWriter("regtest", base, count);
  const coins: Array<[number, number, number, boolean, number, number]> = [
    [1, 0, 5, true, 5_000_000_000, 2],
    [1, 3, 5, true, 1, 0],
    [2, 0, 120, false, 123_456_789, 1],
    [2, 1, 120, false, 2_100_000_000_000_000, 0],
    [2, 300, 120, false, 0, 1],
    [3, 7, 4000, false, 999, 2],
    [3, 70000, 4000, false, 10_000, 0],
  ];
  for (const [t, v, h, cb, value, s] of coins) w.add(txid(t), v, h, cb, value, scripts[s]!);
  return w.bytes();
}

Deno.test("snapshot: written in Core's layout and read back coin by coin to its end", () => {
  const path = `${dir}/good.dat`;
  const bytes = sample();
  Deno.writeFileSync(path, bytes);
  const seen: Array<[string, number, number, boolean, number]> = [];
  const info = readSnapshot(
    path,
    (c: SnapshotCoin) => seen.push([hashToHex(c.txid), c.vout, c.height, c.coinbase, c.value]),
  );
  assertEquals([info.network, info.version, info.coins, info.bytes], [
    "regtest",
    2,
    7,
    bytes.length,
  ]);
  assertEquals(info.baseHash, "11".repeat(32));
  assertEquals(
    info.totalAmount,
    5_000_000_001 + 123_456_789 + 2_100_000_000_000_000 + 999 + 10_000,
  );
  assertEquals(seen.map((s) => s.slice(1)), [
    [0, 5, true, 5_000_000_000],
    [3, 5, true, 1],
    [0, 120, false, 123_456_789],
    [1, 120, false, 2_100_000_000_000_000],
    [300, 120, false, 0],
    [7, 4000, false, 999],
    [70000, 4000, false, 10_000],
  ]);
  // Header: magic, version 2, regtest magic, base hash, count 7.
  assertEquals([...bytes.subarray(0, 11)], [
    0x75,
    0x74,
    0x78,
    0x6f,
    0xff,
    2,
    0,
    0xfa,
    0xbf,
    0xb5,
    0xda,
  ]);
});

Deno.test("snapshot info: the report, and bad files are one-line errors with exit 1", async () => {
  const good = sample();
  const cases: Record<string, Uint8Array> = {
    "wrong magic": Uint8Array.from(good).fill(0x41, 0, 1),
    "format version": (() => {
      const b = good.slice();
      b[5] = 3;
      return b;
    })(),
    "unknown network magic": (() => {
      const b = good.slice();
      b[7] = 0;
      return b;
    })(),
    "cut short": good.subarray(0, good.length - 5),
    "trailing bytes": Uint8Array.from([...good, 0]),
    "the header says 9 coins": sample(9),
  };
  const run = (path: string) =>
    cliCommand("checkpoint.ts", [`--allow-read=${dir}`], ["info", path]).output();
  Deno.writeFileSync(`${dir}/ok.dat`, good);
  const ok = await run(`${dir}/ok.dat`);
  assertEquals(ok.code, 0, new TextDecoder().decode(ok.stderr));
  assertTrue(
    new TextDecoder().decode(ok.stdout).includes(
      "regtest UTXO snapshot in Bitcoin Core's format (version 2)",
    ),
  );
  for (const [what, bytes] of Object.entries(cases)) {
    const path = `${dir}/bad-${what.replaceAll(" ", "-")}.dat`;
    Deno.writeFileSync(path, bytes);
    const r = await run(path);
    const err = new TextDecoder().decode(r.stderr).trim();
    assertEquals(r.code, 1, what);
    assertTrue(err.includes(what) && err.split("\n").length === 1, `${what}: ${err}`);
  }
});

Deno.test("checkpoint export: the archive's UTXO set in Core's order, every unspent output once; info finds its base", async () => {
  const chain = [...generateChain({ seed: 44, blocks: 150, targetBlockSize: 15_000 })];
  writeBlocksDir(`${dir}/blocks`, chain, { seed: 44 });
  const archive = `${dir}/archive`;
  await collect({
    blocks: `${dir}/blocks`,
    out: archive,
    includeTip: true,
    parity: false,
    checkLevel: "utxo",
  });
  // Many sorted runs; coins over 20 bytes (most) go through the spill file.
  const r = await exportSnapshot(archive, `${dir}/export.dat`, {
    runEntries: 300,
    inlineBytes: 20,
  });
  await exportSnapshot(archive, `${dir}/export-inline.dat`);
  assertEquals(
    Deno.readFileSync(`${dir}/export-inline.dat`),
    Deno.readFileSync(`${dir}/export.dat`),
  );
  const { created, spentBy } = outputsOf(chain);
  const unspent = [...created].filter(([k, o]) =>
    o.height > 0 && !spentBy.has(k) && !o.script.startsWith("6a") && o.script.length <= 20_000
  );
  assertEquals([r.height, r.coins], [150, unspent.length]);
  const seen: string[] = [];
  let previous = "";
  const info = readSnapshot(`${dir}/export.dat`, (c) => {
    const key = `${hashToHex(c.txid)}:${c.vout}`;
    const order = `${[...c.txid].map((b) => b.toString(16).padStart(2, "0")).join("")}:${
      String(c.vout).padStart(10, "0")
    }`;
    assertTrue(order > previous, `Core's order: ${order} after ${previous}`);
    previous = order;
    const o = created.get(key)!;
    assertEquals([c.value, c.height, c.coinbase], [o.value, o.height, o.coinbase], key);
    seen.push(key);
  });
  assertEquals(info.coins, unspent.length);
  assertEquals(new Set(seen), new Set(unspent.map(([k]) => k)));
  const out = await cliCommand("checkpoint.ts", [`--allow-read=${dir}`], [
    "info",
    `${dir}/export.dat`,
    "--archive",
    archive,
    "--json",
  ]).output();
  assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)).height, 150);
});

Deno.test("blkpipe's snapshot format: no scripts, base height and count in the header, a checksum; damage is a one-line error", async () => {
  const w = new SnapshotWriter("regtest", base, 0, undefined, { baseHeight: 4321 });
  w.add(txid(1), 0, 5, true, 5_000_000_000);
  w.add(txid(1), 3, 5, true, 1);
  w.add(txid(2), 300, 120, false, 2_100_000_000_000_000);
  const good = w.bytes();
  // magic "blkp" 0xff, version 1, regtest magic, base, count 3 (patched in at the end), height.
  assertEquals([...good.subarray(0, 7)], [0x62, 0x6c, 0x6b, 0x70, 0xff, 1, 0]);
  assertEquals(good[43], 3);
  assertEquals(new DataView(good.buffer).getUint32(51, true), 4321);
  Deno.writeFileSync(`${dir}/bp.dat`, good);
  const seen: number[][] = [];
  const info = readSnapshot(`${dir}/bp.dat`, (c) => seen.push([c.vout, c.height, c.value]));
  assertEquals([info.format, info.version, info.baseHeight, info.coins, info.bytes], [
    "blkpipe",
    1,
    4321,
    3,
    good.length,
  ]);
  assertEquals(seen, [[0, 5, 5_000_000_000], [3, 5, 1], [300, 120, 2_100_000_000_000_000]]);
  const flip = (at: number) => {
    const b = good.slice();
    b[at]! ^= 1;
    return b;
  };
  const cases: Record<string, Uint8Array> = {
    "checksum mismatch": flip(60), // a coin byte
    "checksum mismatch ": flip(52), // the height in the header
    "format version": flip(5),
    "cut short": good.subarray(0, good.length - 1),
    "trailing bytes after the last checksum": Uint8Array.from([...good, 0]),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    const path = `${dir}/bp-bad.dat`;
    Deno.writeFileSync(path, bytes);
    const r = await cliCommand("checkpoint.ts", [`--allow-read=${dir}`], ["info", path]).output();
    const err = new TextDecoder().decode(r.stderr).trim();
    assertEquals(r.code, 1, what);
    assertTrue(err.includes(what.trim()) && err.split("\n").length === 1, `${what}: ${err}`);
  }
});

Deno.test("checkpoint export --format blkpipe: the same coins as Core's format, from the index alone", async () => {
  const archive = `${dir}/archive`; // from the test above
  const core: string[] = [], own: string[] = [];
  const line = (c: SnapshotCoin) =>
    `${hashToHex(c.txid)}:${c.vout}:${c.height}:${c.coinbase}:${c.value}`;
  readSnapshot(`${dir}/export.dat`, (c) => core.push(line(c)));
  const r = await exportUtxoCheckpoint(archive, `${dir}/export.blkpipe`);
  const info = readSnapshot(`${dir}/export.blkpipe`, (c) => own.push(line(c)));
  assertEquals([r.coins, r.height, info.baseHeight, info.format], [
    core.length,
    150,
    150,
    "blkpipe",
  ]);
  assertTrue(core.length > 100, `${core.length} coins`);
  assertEquals(own, core);
  assertEquals(info.bytes, r.bytes);
  assertEquals(info.baseHash, readSnapshot(`${dir}/export.dat`).baseHash);
  assertTrue(r.bytes < readSnapshot(`${dir}/export.dat`).bytes / 2, `${r.bytes} bytes`);
});
