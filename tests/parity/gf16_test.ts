import { assertEquals, assertThrows } from "../_support/assert.ts";
import { GF16_EXP, GF16_LOG, gfDiv, gfMul, gfPow, inputConstants } from "../../lib/parity/gf16.ts";
import { mulAdd, mulTables } from "../../lib/parity/gf16_mac.ts";
import { invertMatrix } from "../../lib/parity/par2_repair.ts";
import { createRecoverySet } from "../../lib/parity/par2_create.ts";
import { crc32 } from "../../lib/parity/crc32.ts";
import { crc32 as zlibCrc32 } from "node:zlib";
import {
  gf16SimdModuleBytes,
  pagesFor,
  simdInstance,
  simdMulAdd,
} from "../../lib/parity/_gf16_simd_kernel.ts";
import {
  creatorBody,
  encodePacket,
  fileId,
  mainBody,
  md5,
  PACKET_TYPES,
} from "../../lib/parity/par2_packets.ts";
import { toHex } from "../../lib/bytes/hex.ts";
import { Prng } from "../../lib/gen/prng.ts";

Deno.test("GF(2^16) known answers: reduction by 0x1100B, inverse, powers, slice constants", () => {
  assertEquals(gfMul(2, 0x8000), 0x100b); // x·x^15 = x^16 ≡ x^12 + x^3 + x + 1
  assertEquals(gfMul(0x100b, 1), 0x100b);
  assertEquals(gfMul(3, 3), 5); // (x+1)^2 = x^2 + 1
  assertEquals(gfPow(2, 65535), 1); // the group has order 65535
  assertEquals(gfPow(2, 16), 0x100b);
  for (const a of [1, 2, 3, 0x1234, 0xffff]) assertEquals(gfMul(a, gfDiv(1, a)), 1);
  assertThrows(() => gfDiv(1, 0), RangeError);
  // Every non-zero element appears once in the antilog table.
  assertEquals(new Set(GF16_EXP.subarray(0, 65535)).size, 65535);
  assertEquals(GF16_LOG[GF16_EXP[777]!], 777);
  // PAR 2.0 spec: the first input slice constants (2^n, n coprime to 65535).
  assertEquals([...inputConstants(11)], [
    2,
    4,
    16,
    128,
    256,
    2048,
    8192,
    16384,
    4107,
    32856,
    17132,
  ]);
});

Deno.test("multiply-accumulate equals word-by-word multiplication; matrix inverse is an inverse", () => {
  const rng = new Prng(16);
  const src = Uint16Array.from({ length: 1003 }, () => rng.int(0, 65535));
  const dst = Uint16Array.from({ length: 1003 }, () => rng.int(0, 65535));
  const expect = dst.map((d, i) => d ^ gfMul(0xbeef, src[i]!));
  mulAdd(dst, src, mulTables(0xbeef));
  assertEquals(dst, expect);
  const m = [[2, 4, 16], [4, 16, 256], [8, 64, 4096]];
  const inv = invertMatrix(m);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s ^= gfMul(m[i]![k]!, inv[k]![j]!);
      assertEquals(s, i === j ? 1 : 0);
    }
  }
  assertThrows(() => invertMatrix([[1, 1], [1, 1]]), RangeError);
});

Deno.test("packet MD5, recovery set ID and file ID: known answers (computed with Python's hashlib)", () => {
  const creator = encodePacket(new Uint8Array(16), PACKET_TYPES.creator, creatorBody("blkpipe"));
  assertEquals(creator.length, 72);
  assertEquals(toHex(creator.subarray(16, 32)), "eed9601307fa106eb9b67852e883b879");
  assertEquals(
    toHex(md5(mainBody(4096, [new Uint8Array(16).fill(0x11)]))),
    "b327c424ede4664a17bb9e63635960b9",
  );
  assertEquals(
    toHex(fileId(new Uint8Array(16).fill(0x22), 1000, "chunks/a")),
    "91078e2fbca86712b85dcef71430eb2d",
  );
});

Deno.test("recovery data computed on workers equals the single-thread result, byte for byte", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-par2-workers-" });
  const rng = new Prng(5);
  for (const [name, size] of [["a.bin", 300_001], ["b.bin", 123_456], ["c.bin", 7]] as const) {
    Deno.writeFileSync(`${dir}/${name}`, Uint8Array.from({ length: size }, () => rng.int(0, 255)));
  }
  const files = ["a.bin", "b.bin", "c.bin"];
  const made: Uint8Array[] = [];
  for (const [workers, memory] of [[0, 64 << 20], [2, 64 << 20], [2, 4096]] as const) {
    const r = await createRecoverySet({
      dir,
      name: `set${workers}-${memory}`,
      files,
      sliceSize: 4096,
      recovery: 17,
      workers,
      memoryBytes: memory,
    });
    made.push(Deno.readFileSync(`${dir}/${r.files[1]}`));
  }
  assertEquals(made[1], made[0]);
  assertEquals(made[2], made[0]);
});

Deno.test("the WebAssembly SIMD kernel equals the word-by-word product, tails included", () => {
  const rng = new Prng(32);
  const { fn, mem } = simdInstance(gf16SimdModuleBytes(pagesFor(3 * 4096)));
  const scratch = new Uint16Array(512);
  for (const width of [4, 28, 32, 36, 1000, 4096]) {
    for (const c of [0, 1, 2, 0x100b, 0xbeef, rng.int(1, 65535)]) {
      for (let i = 0; i < 2 * 4096; i++) mem[i] = rng.int(0, 255);
      const dst = new Uint16Array(mem.buffer, 0, width / 2);
      const src = new Uint16Array(mem.buffer, 4096, width / 2);
      const expect = dst.map((d, i) => d ^ gfMul(c, src[i]!));
      simdMulAdd(fn, mem, 0, 4096, 8192, width, c, GF16_EXP, GF16_LOG, scratch);
      assertEquals(new Uint16Array(mem.buffer, 0, width / 2), expect, `width ${width}, c ${c}`);
    }
  }
});

Deno.test("CRC-32: known answers and agreement with zlib's, whole and incremental", () => {
  assertEquals(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assertEquals(crc32(new Uint8Array(0)), 0);
  const rng = new Prng(321);
  for (const n of [1, 7, 8, 9, 63, 4096, 100_003]) {
    const b = Uint8Array.from({ length: n }, () => rng.int(0, 255));
    assertEquals(crc32(b), zlibCrc32(b), `length ${n}`);
    const cut = n >> 1;
    assertEquals(crc32(b.subarray(cut), crc32(b.subarray(0, cut))), zlibCrc32(b), `split ${n}`);
  }
});
