import { assertEquals, assertThrows, assertTrue } from "../_support/assert.ts";
import { RecordScanner, type ScanEvent } from "../../lib/source/record_scanner.ts";
import { CorruptDataError } from "../../lib/bytes/errors.ts";
import { hashToHex, toHex } from "../../lib/bytes/hex.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { genesisBlock } from "../../lib/bitcoin/genesis.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { applyXor } from "../../lib/source/xor.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { blkRecord, concatBytes } from "../_support/blocks_dir.ts";
import { realFile, realTest } from "../_support/real_data.ts";

/** Scans `bytes` cut at the given points; returns a comparable event list. */
function scan(bytes: Uint8Array, cuts: number[], key?: Uint8Array): string[] {
  const opts: ConstructorParameters<typeof RecordScanner>[0] = {};
  if (key) opts.xorKey = key;
  const s = new RecordScanner(opts);
  const out: string[] = [];
  const emit = (e: ScanEvent) =>
    out.push(
      e.kind === "block"
        ? `block@${e.offset}:${hashToHex(blockHash(e.bytes))}:${e.bytes.length}`
        : `skip@${e.offset}+${e.length}:${e.reason}`,
    );
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    s.push(bytes.subarray(at, c), emit);
    at = c;
  }
  s.finish(emit);
  return out;
}

const REGTEST = NETWORKS.regtest.magic;
const G = genesisBlock("regtest");

/** Segments of a small file with every feature; `raw` ones (zeros) are never XORed on disk. */
function damagedSegments(): Array<{ bytes: Uint8Array; raw?: boolean }> {
  const rec = blkRecord(REGTEST, G);
  return [
    { bytes: Uint8Array.of(7, 7, 0xfa, 0xbf) }, // junk incl. a partial magic
    { bytes: rec },
    { bytes: new Uint8Array(5), raw: true }, // zeros between records
    { bytes: rec.slice(0, 100) }, // torn record
    { bytes: rec },
    { bytes: Uint8Array.of(...REGTEST, 0xff, 0xff, 0xff, 0xff) }, // absurd length
    { bytes: rec },
    { bytes: new Uint8Array(40), raw: true }, // padding
  ];
}

function damagedFile(key?: Uint8Array): Uint8Array {
  const out = concatBytes(damagedSegments().map((s) => s.bytes));
  if (!key) return out;
  let at = 0;
  for (const seg of damagedSegments()) {
    if (!seg.raw) applyXor(out.subarray(at, at + seg.bytes.length), key, at);
    at += seg.bytes.length;
  }
  return out;
}

Deno.test("scanner reports every kind of damage and keeps the good records", () => {
  const events = scan(damagedFile(), []);
  const kinds = events.map((e) => e.startsWith("block") ? "block" : e.replace(/@.*:/, ":"));
  assertEquals(kinds, [
    "skip:garbage",
    "block",
    "skip:zero-fill",
    "skip:torn",
    "skip:garbage",
    "block",
    "skip:bad-length",
    "skip:garbage",
    "block",
    "skip:padding",
  ]);
  assertTrue(events[0]!.startsWith("skip@0+4:"));
});

Deno.test("partial: events do not depend on how the bytes are cut (every single cut point)", () => {
  const file = damagedFile();
  const whole = scan(file, []);
  for (let c = 0; c <= file.length; c++) assertEquals(scan(file, [c]), whole, `cut at ${c}`);
});

Deno.test("partial: random pairs of cut points and 1-byte chunks, with an XOR key", () => {
  // The key equals the magic: a record at an offset ≡ 0 (mod 4) starts with four raw zeros.
  const key = Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda, 0xfa, 0xbf, 0xb5, 0xda);
  const file = damagedFile(key);
  const whole = scan(file, [], key);
  assertEquals(whole, scan(damagedFile(), []));
  const rng = new Prng(42);
  for (let i = 0; i < 300; i++) {
    const a = rng.int(0, file.length), b = rng.int(0, file.length);
    assertEquals(scan(file, [Math.min(a, b), Math.max(a, b)], key), whole);
  }
  const bytewise = Array.from({ length: file.length - 1 }, (_, i) => i + 1);
  assertEquals(scan(file, bytewise, key), whole);
});

Deno.test("a record cut short at the end of the file is reported as truncated", () => {
  const rec = blkRecord(REGTEST, G);
  const events = scan(concatBytes([rec, rec.subarray(0, 150)]), []);
  assertEquals(events.length, 2);
  assertTrue(events[1]!.endsWith(":truncated"), events[1]);
});

Deno.test("a different network's magic is an error naming the file and offset", () => {
  const file = concatBytes([
    blkRecord(REGTEST, G),
    blkRecord(NETWORKS.mainnet.magic, genesisBlock("mainnet")),
  ]);
  const s = new RecordScanner({ fileName: "blk00007.dat" });
  const e = assertThrows(() => s.push(file, () => {}), CorruptDataError) as CorruptDataError;
  assertEquals(e.code, "unexpected-magic");
  assertEquals(e.offset, G.length + 8);
  assertTrue(e.message.includes("blk00007.dat") && e.message.includes("mainnet"), e.message);
});

realTest("real blk files: junk prefix resync, byte-wise and bulk scans agree", () => {
  const junk = realFile("hadoopcryptoledger/reqseekversion1.blk");
  const events = scan(junk, []);
  assertEquals(events[0], "skip@0+6:garbage");
  assertTrue(
    events[1]!.startsWith(
      "block@6:0000000000bef5d742ad3ea3fab0548bf33077a6a91426f37e6ea90bf40205dd",
    ),
  );
  const first = realFile("hadoopcryptoledger/firstblocks.blk");
  const whole = scan(first, []);
  assertEquals(whole.length, 590);
  const rng = new Prng(7);
  for (const size of [1, 7, 81, 4096, 65_536]) {
    const cuts: number[] = [];
    for (let c = size; c < first.length; c += size) cuts.push(c);
    assertEquals(scan(first, cuts), whole, `chunks of ${size}`);
  }
  const cuts: number[] = [];
  for (let c = 0; c < first.length; c += rng.int(1, 9000)) cuts.push(c);
  assertEquals(scan(first, cuts), whole, "random chunks");
});

realTest("mixed-network real file (multinet.blk) fails at the mainnet record", () => {
  const s = new RecordScanner({ fileName: "multinet.blk" });
  const e = assertThrows(
    () => s.push(realFile("hadoopcryptoledger/multinet.blk"), () => {}),
    CorruptDataError,
  ) as CorruptDataError;
  assertEquals(e.code, "unexpected-magic");
  assertEquals(e.offset, 293);
  assertEquals(toHex(realFile("hadoopcryptoledger/multinet.blk").subarray(293, 297)), "f9beb4d9");
});
