import { assertEquals, assertThrows } from "../_support/assert.ts";
import { createHash } from "node:crypto";
import { sha256, sha256d } from "../../lib/hash/sha256.ts";
import { Sha256Batch } from "../../lib/hash/sha256_batch.ts";
import { toHex } from "../../lib/bytes/hex.ts";

const enc = (s: string) => new TextEncoder().encode(s);

// FIPS 180-4 / NIST CAVP known answers.
const VECTORS: Array<[string, string]> = [
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
];

Deno.test("sha256 known answers (single and batch)", () => {
  const batch = new Sha256Batch();
  for (const [msg, digest] of VECTORS) {
    assertEquals(toHex(sha256(enc(msg))), digest);
    batch.load(enc(msg));
    batch.add(0, msg.length);
    const out = new Uint8Array(32);
    batch.run(out, { double: false });
    assertEquals(toHex(out), digest);
  }
});

Deno.test("sha256d known answer: genesis header hash", () => {
  const header =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
  const bytes = Uint8Array.from(header.match(/../g)!.map((h) => parseInt(h, 16)));
  assertEquals(
    toHex(sha256d(bytes).reverse()),
    "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
  );
});

Deno.test("batch equals node:crypto for every length 0..300 and across block boundaries", () => {
  const src = new Uint8Array(70_000);
  for (let i = 0; i < src.length; i++) src[i] = (i * 131 + (i >> 8)) & 255;
  const batch = new Sha256Batch();
  batch.load(src);
  const lens: number[] = [];
  for (let l = 0; l <= 300; l++) lens.push(l);
  lens.push(1000, 4095, 4096, 65_535, 69_000);
  lens.forEach((l, i) => batch.add(i % 97, l));
  const out = new Uint8Array(32 * lens.length);
  batch.run(out);
  lens.forEach((l, i) => {
    const s = i % 97;
    const once = createHash("sha256").update(src.subarray(s, s + l)).digest();
    const twice = createHash("sha256").update(once).digest();
    assertEquals(toHex(out.subarray(32 * i, 32 * i + 32)), toHex(twice), `length ${l}`);
  });
});

Deno.test("batch add3 hashes the concatenation of three spans", () => {
  const src = enc("HEADxxxxBODYyyyyTAIL");
  const b = new Sha256Batch();
  b.load(src);
  b.add3(0, 4, 8, 4, 16, 4);
  b.add3(0, 0, 8, 4, 0, 0);
  const out = new Uint8Array(64);
  b.run(out);
  assertEquals(toHex(out.subarray(0, 32)), toHex(sha256d(enc("HEADBODYTAIL"))));
  assertEquals(toHex(out.subarray(32)), toHex(sha256d(enc("BODY"))));
});

Deno.test("batch is reusable, grows its memory, and rejects spans outside the source", () => {
  const b = new Sha256Batch();
  b.load(new Uint8Array(10));
  assertThrows(() => b.add(5, 6), RangeError);
  const big = new Uint8Array(3_000_000).fill(7);
  b.load(big);
  b.add(0, big.length);
  const out = new Uint8Array(32);
  b.run(out);
  assertEquals(toHex(out), toHex(sha256d(big)));
  assertEquals(b.size, 0);
});

Deno.test("batch pads correctly over memory that earlier batches left dirty (three-span messages up to 4 KiB)", () => {
  const b = new Sha256Batch();
  const src = new Uint8Array(200_000);
  for (let i = 0; i < src.length; i++) src[i] = (i * 7 + (i >> 9)) & 255;
  let seed = 12345;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  for (let round = 0; round < 3; round++) {
    b.load(src);
    const spans: number[][] = [];
    for (let m = 0; m < 300; m++) {
      const l0 = next(5), l1 = next(4000 - 8), l2 = next(5);
      const sp = [next(1000), l0, next(150_000), l1, next(1000), l2];
      spans.push(sp);
      b.add3(sp[0]!, sp[1]!, sp[2]!, sp[3]!, sp[4]!, sp[5]!);
    }
    const out = new Uint8Array(32 * spans.length);
    b.run(out, { double: round !== 1 });
    spans.forEach((sp, i) => {
      const h = createHash("sha256");
      for (let k = 0; k < 3; k++) h.update(src.subarray(sp[2 * k]!, sp[2 * k]! + sp[2 * k + 1]!));
      let d = h.digest();
      if (round !== 1) d = createHash("sha256").update(d).digest();
      assertEquals(
        toHex(out.subarray(32 * i, 32 * i + 32)),
        toHex(d),
        `round ${round} message ${i}`,
      );
    });
  }
});
