import { assertEquals } from "../_support/assert.ts";
import {
  bitsFromTarget,
  blockWork,
  checkProofOfWork,
  targetFromBits,
} from "../../lib/bitcoin/pow.ts";

// Vectors from Bitcoin Core's arith_uint256_tests (SetCompact / GetCompact).
Deno.test("nBits decode matches Bitcoin Core SetCompact vectors", () => {
  const cases: Array<[number, bigint, boolean, boolean, number]> = [
    [0x00000000, 0n, false, false, 0],
    [0x00123456, 0n, false, false, 0],
    [0x01003456, 0n, false, false, 0],
    [0x02000056, 0n, false, false, 0],
    [0x03000000, 0n, false, false, 0],
    [0x04000000, 0n, false, false, 0],
    [0x00923456, 0n, false, false, 0],
    [0x01803456, 0n, false, false, 0],
    [0x02800056, 0n, false, false, 0],
    [0x03800000, 0n, false, false, 0],
    [0x04800000, 0n, false, false, 0],
    [0x01123456, 0x12n, false, false, 0x01120000],
    [0x02123456, 0x1234n, false, false, 0x02123400],
    [0x03123456, 0x123456n, false, false, 0x03123456],
    [0x04123456, 0x12345600n, false, false, 0x04123456],
    [0x05009234, 0x92340000n, false, false, 0x05009234],
    [
      0x20123456,
      0x1234560000000000000000000000000000000000000000000000000000000000n,
      false,
      false,
      0x20123456,
    ],
  ];
  for (const [bits, target, neg, ovf, back] of cases) {
    const t = targetFromBits(bits);
    assertEquals([t.target, t.negative, t.overflow], [target, neg, ovf], bits.toString(16));
    if (target !== 0n) assertEquals(bitsFromTarget(target), back);
  }
  // 0x01fedcba: negative; 0x04923456: negative; 0xff123456: overflow.
  assertEquals(targetFromBits(0x01fedcba).negative, true);
  assertEquals(targetFromBits(0x04923456).negative, true);
  assertEquals(targetFromBits(0xff123456).overflow, true);
  assertEquals(targetFromBits(0x21010000).overflow, true);
  assertEquals(targetFromBits(0x22000100).overflow, true);
});

Deno.test("nBits ⇄ target round-trips for real difficulty values", () => {
  for (const bits of [0x1d00ffff, 0x1b0404cb, 0x1a0202f0, 0x207fffff, 0x1e0377ae, 0x17053894]) {
    assertEquals(bitsFromTarget(targetFromBits(bits).target), bits);
  }
});

Deno.test("proof-of-work check and chain work", () => {
  const limit = (1n << 224n) - 1n;
  const hash = new Uint8Array(32); // 0 meets any target
  assertEquals(checkProofOfWork(hash, 0x1d00ffff, limit), null);
  hash[28] = 1; // 2^224 > 0xffff·2^208
  assertEquals(checkProofOfWork(hash, 0x1d00ffff, limit), "high-hash");
  assertEquals(checkProofOfWork(new Uint8Array(32), 0x1e00ffff, limit), "bad-bits-above-limit");
  assertEquals(checkProofOfWork(new Uint8Array(32), 0x04923456, limit), "bad-bits-negative");
  assertEquals(checkProofOfWork(new Uint8Array(32), 0xff123456, limit), "bad-bits-overflow");
  assertEquals(checkProofOfWork(new Uint8Array(32), 0x00000000, limit), "bad-bits-zero");
  assertEquals(blockWork(0x1d00ffff), 0x100010001n); // genesis work
});
