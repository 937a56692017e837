import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { BloomFilter, keyHashes, prefixLine } from "../../lib/segment/bloom.ts";

/** The filter's bit positions for `key` by the format's definition: (h1 + j·h2) mod m. */
function definedBits(key: Uint8Array, m: number, k: number): number[] {
  const h = new Uint32Array(2);
  keyHashes(key, 0, key.length, h);
  return Array.from({ length: k }, (_, j) => (h[0]! + j * h[1]!) % m);
}

for (const m of [64 * 1_001, 2 ** 31, 2 ** 31 + 64]) {
  Deno.test(`bloom bits are (h1 + j·h2) mod m exactly (m = ${m})`, () => {
    const bloom = new BloomFilter(new Uint8Array(m / 8), m, 7, "classic");
    const rng = new Prng(m % 1000);
    const key = new Uint8Array(36);
    const expected = new Set<number>();
    for (let i = 0; i < 500; i++) {
      rng.fill(key);
      bloom.add(key, 0, key.length);
      for (const b of definedBits(key, m, 7)) expected.add(b);
      assertTrue(bloom.mayContain(key, 0, key.length));
    }
    let set = 0;
    for (const b of expected) {
      if (bloom.bits[Math.floor(b / 8)]! & (1 << (b % 8))) set++;
    }
    assertEquals(set, expected.size, "every defined bit is set");
    let total = 0;
    for (let i = 0; i < bloom.bits.length; i++) {
      for (let v = bloom.bits[i]!; v; v &= v - 1) total++;
    }
    assertEquals(total, expected.size, "no other bit is set");
  });
}

/**
 * A blocked layout's bit positions for `key` by the format's definition: the line (by h1, or by
 * the key's first four bytes), then the top 9 bits of h2·0x9e3779b9^j (mod 2^32) within it.
 */
function blockedBits(key: Uint8Array, m: number, k: number, layout: "blocked" | "prefix") {
  const h = new Uint32Array(2);
  keyHashes(key, 0, key.length, h);
  const lines = BigInt(m / 512);
  const p = BigInt(key.slice(0, 4).reduce((a, b) => a * 256 + b, 0));
  const line = layout === "prefix" ? Number((p * lines) >> 32n) : h[0]! % (m / 512);
  const out: number[] = [];
  let x = BigInt(h[1]!);
  for (let j = 0; j < k; j++) {
    out.push(512 * line + Number(x >> 23n));
    x = (x * 0x9e3779b9n) & 0xffffffffn;
  }
  return out;
}

for (const layout of ["blocked", "prefix"] as const) {
  for (const m of [512 * 1_001, 2 ** 31 + 512]) {
    Deno.test(`${layout} bloom: bits are the format's definition exactly (m = ${m})`, () => {
      const bloom = new BloomFilter(new Uint8Array(m / 8), m, 7, layout);
      const rng = new Prng(m % 997);
      const key = new Uint8Array(36);
      const expected = new Set<number>();
      for (let i = 0; i < 500; i++) {
        rng.fill(key);
        if (i % 50 === 0) key.fill(255, 0, 4); // the last line: ⌊p·lines/2³²⌋ at its top
        bloom.add(key, 0, key.length);
        for (const b of blockedBits(key, m, 7, layout)) expected.add(b);
        assertTrue(bloom.mayContain(key, 0, key.length));
      }
      let total = 0, set = 0;
      for (const b of expected) if (bloom.bits[Math.floor(b / 8)]! & (1 << (b % 8))) set++;
      for (let i = 0; i < bloom.bits.length; i++) {
        for (let v = bloom.bits[i]!; v; v &= v - 1) total++;
      }
      assertEquals(set, expected.size, "every defined bit is set");
      assertEquals(total, expected.size, "no other bit is set");
    });
  }

  Deno.test(`${layout} bloom: false-positive rate within 20% of theory (0.42% at 12 bits, 7 probes)`, () => {
    const n = 100_000, rng = new Prng(7);
    const bloom = BloomFilter.forCapacity(n, 12, 7, layout);
    const key = new Uint8Array(36);
    for (let i = 0; i < n; i++) {
      rng.fill(key);
      bloom.add(key, 0, 36);
    }
    let fp = 0;
    const trials = 400_000;
    for (let i = 0; i < trials; i++) {
      rng.fill(key);
      if (bloom.mayContain(key, 0, 36)) fp++;
    }
    const theory = bloom.expectedFpr(n);
    assertTrue(Math.abs(fp / trials - theory) < 0.2 * theory, `${fp / trials} vs ${theory}`);
    assertTrue(theory > 0.0035 && theory < 0.005, `theory ${theory}`);
  });
}

Deno.test("prefixLine is ⌊p·lines/2³²⌋ exactly where the product passes 2^53", () => {
  const rng = new Prng(3);
  const key = new Uint8Array(4);
  for (let i = 0; i < 2000; i++) {
    rng.fill(key);
    const lines = i % 2 ? rng.int(1, 0x200000) : rng.int(1, 2 ** 30); // both of its paths
    const p = BigInt(key.reduce((a, b) => a * 256 + b, 0));
    assertEquals(prefixLine(key, 0, 4, lines), Number((p * BigInt(lines)) >> 32n));
  }
  assertEquals(prefixLine(Uint8Array.of(0xff, 0xff), 0, 2, 2 ** 30), 2 ** 30 - 2 ** 14);
});
