import { assertEquals, assertThrows } from "../_support/assert.ts";
import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { CorruptDataError } from "../../lib/bytes/errors.ts";
import { realFile, realTest } from "../_support/real_data.ts";
import { genesisBlock } from "../../lib/bitcoin/genesis.ts";

function expectCorrupt(bytes: Uint8Array, code?: string): CorruptDataError {
  const e = assertThrows(() => new BlockLayout().parse(bytes));
  if (!(e instanceof CorruptDataError)) throw new Error(`unexpected ${String(e)}`);
  if (code !== undefined) assertEquals(e.code, code, e.message);
  assertEquals(e.offset >= 0 && e.offset <= bytes.length, true, e.message);
  return e;
}

function truncateEverywhere(block: Uint8Array, step: number): number {
  let n = 0;
  for (let cut = 0; cut < block.length; cut += step) {
    const e = expectCorrupt(block.subarray(0, cut));
    assertEquals(["truncated", "bad-blk-length", "absurd-count"].includes(e.code), true, e.message);
    n++;
  }
  return n;
}

Deno.test("genesis block truncated at every byte offset raises a located error", () => {
  assertEquals(truncateEverywhere(genesisBlock("mainnet"), 1), 285);
});

realTest("real segwit block truncated at every byte offset raises a located error", () => {
  // Signet block 1 (segwit coinbase): every offset. A 12 kB block with 2 segwit txs: every offset.
  const hex = new TextDecoder().decode(realFile("rbtc/signet-block-1.hex")).replace(/\s+/g, "");
  const signet = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  assertEquals(truncateEverywhere(signet, 1), signet.length);
  const b = realFile("bcoin/block482683.raw");
  assertEquals(truncateEverywhere(b, 1), b.length);
  // A 1.5 MB block: every 997th offset.
  const big = realFile("floresta/block_866342.raw");
  assertEquals(truncateEverywhere(big, 997) > 1500, true);
});

Deno.test("trailing bytes, absurd counts and bad witness flags are typed errors", () => {
  const g = genesisBlock("mainnet");
  const trailing = new Uint8Array(g.length + 1);
  trailing.set(g);
  assertEquals(expectCorrupt(trailing, "trailing-bytes").offset, g.length);

  const absurd = g.slice();
  absurd[80] = 0xfe; // tx count 0xfe + 4 bytes: huge
  absurd.set([0xff, 0xff, 0xff, 0x01], 81);
  expectCorrupt(absurd, "absurd-count");

  const noTx = g.slice(0, 81);
  noTx[80] = 0;
  expectCorrupt(noTx, "bad-blk-length");

  const flag = g.slice();
  flag.copyWithin(87, 85); // open a gap after version
  flag[85] = 0;
  flag[86] = 2; // unknown witness flag
  expectCorrupt(flag, "bad-witness-flag");

  const nonMinimal = new Uint8Array(g.length + 2);
  nonMinimal.set(g.subarray(0, 80));
  nonMinimal.set([0xfd, 0x01, 0x00], 80);
  nonMinimal.set(g.subarray(81), 83);
  const e = expectCorrupt(nonMinimal, "non-minimal-compact-size");
  assertEquals(e.field, "txCount");
  assertEquals(e.offset, 80);
});

Deno.test("errors inside a transaction name the transaction", () => {
  const g = genesisBlock("mainnet");
  const bad = g.slice();
  bad[81 + 4 + 1 + 36] = 0xfd; // scriptSig length → non-minimal 0xfd 0x04 0xff
  const e = expectCorrupt(bad);
  assertEquals(e.field.startsWith("tx[0]."), true, e.field);
});
