import { assertEquals } from "../_support/assert.ts";
import { ByteWriter } from "../../lib/bytes/byte_writer.ts";
import { fromHex, toHex } from "../../lib/bytes/hex.ts";
import {
  compressAmount,
  compressScript,
  decompressAmount,
  decompressScript,
  readVarInt,
  specialScriptSize,
  writeVarInt,
} from "../../lib/utxo/core_compress.ts";

Deno.test("VARINT: the known answers in Bitcoin Core's serialize.h, both ways", () => {
  const known: Array<[number, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8000"],
    [255, "807f"],
    [256, "8100"],
    [16383, "fe7f"],
    [16384, "ff00"],
    [16511, "ff7f"],
    [65535, "82fe7f"],
    [2 ** 32, "8efefeff00"],
  ];
  for (const [n, hex] of known) {
    const out = new ByteWriter(16);
    writeVarInt(out, n);
    assertEquals(toHex(out.view()), hex, String(n));
    assertEquals(readVarInt(fromHex(hex), 0), [n, hex.length / 2]);
  }
  assertEquals(readVarInt(fromHex("8e"), 0), null); // cut short
});

Deno.test("amount compression: Core's compress_tests known answers, and a round trip over edge values", () => {
  const COIN = 100_000_000, CENT = 1_000_000;
  const known: Array<[number, number]> = [
    [0, 0x0],
    [1, 0x1],
    [CENT, 0x7],
    [COIN, 0x9],
    [50 * COIN, 0x32],
    [21_000_000 * COIN, 0x1406f40],
  ];
  for (const [n, c] of known) {
    assertEquals(compressAmount(n), c, String(n));
    assertEquals(decompressAmount(c), n);
  }
  for (
    const n of [9, 10, 99, 100, 123456789, 1_000_000_000, 999_999_999_999, 2_100_000_000_000_000]
  ) {
    assertEquals(decompressAmount(compressAmount(n)), n, String(n));
  }
});

Deno.test("script compression: P2PKH, P2SH, P2PK compressed/uncompressed, others; round trips", () => {
  const h = "62e907b15cbf27d5425399ebf6f0fb50ebb88f18";
  const cases: Array<[string, string, number | null]> = [
    [`76a914${h}88ac`, `00${h}`, 0],
    [`a914${h}87`, `01${h}`, 1],
    // Compressed key (BIP32 test vector's master pubkey).
    [
      "210339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2ac",
      "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2",
      3,
    ],
    // The genesis coinbase's uncompressed key (y is odd → type 5).
    [
      "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac",
      "05678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6",
      5,
    ],
    ["0014751e76e8199196d454941c45d1b3a323f1433bd6", "", null], // P2WPKH: stored as is
    ["6a0401020304", "", null],
  ];
  for (const [script, compressed, type] of cases) {
    const c = compressScript(fromHex(script));
    if (type === null) {
      assertEquals(c, null, script);
      continue;
    }
    assertEquals(toHex(c!), compressed, script);
    assertEquals(c!.length, 1 + specialScriptSize(type));
    assertEquals(toHex(decompressScript(type, c!.subarray(1))!), script);
  }
  // An uncompressed "key" that is not on the curve is not compressed (Core checks IsFullyValid).
  const bad = "41" + "04" + "11".repeat(64) + "ac";
  assertEquals(compressScript(fromHex(bad)), null);
});
