import { assertEquals, assertTrue } from "../_support/assert.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { BloomFilter, keyHashes } from "../../lib/segment/bloom.ts";

/** The filter's bit positions for `key` by the format's definition: (h1 + j·h2) mod m. */
function definedBits(key: Uint8Array, m: number, k: number): number[] {
  const h = new Uint32Array(2);
  keyHashes(key, 0, key.length, h);
  return Array.from({ length: k }, (_, j) => (h[0]! + j * h[1]!) % m);
}

for (const m of [64 * 1_001, 2 ** 31, 2 ** 31 + 64]) {
  Deno.test(`bloom bits are (h1 + j·h2) mod m exactly (m = ${m})`, () => {
    const bloom = new BloomFilter(new Uint8Array(m / 8), m, 7);
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
