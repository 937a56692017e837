import { assertEquals } from "../_support/assert.ts";
import { NETWORKS, RETARGET_INTERVAL } from "../../lib/bitcoin/network.ts";
import { bitsFromTarget, targetFromBits } from "../../lib/bitcoin/pow.ts";
import { calculateNextWorkRequired } from "../../lib/bitcoin/retarget.ts";
import { HeaderChain } from "../../lib/validate/header_chain.ts";
import { sha256d } from "../../lib/hash/sha256.ts";

Deno.test("retarget matches Bitcoin Core's pow_tests vectors", () => {
  const m = NETWORKS.mainnet;
  // [first time, last time, last bits, expected]
  const vectors: Array<[number, number, number, number]> = [
    [1261130161, 1262152739, 0x1d00ffff, 0x1d00d86a], // get_next_work
    [1231006505, 1233061996, 0x1d00ffff, 0x1d00ffff], // get_next_work_pow_limit
    [1279008237, 1279297671, 0x1c05a3f4, 0x1c0168fd], // get_next_work_lower_limit_actual
    [1263163443, 1269211443, 0x1c387f6f, 0x1d00e1fd], // get_next_work_upper_limit_actual
  ];
  for (const [first, last, bits, expected] of vectors) {
    assertEquals(calculateNextWorkRequired(m, bits, last, bits, first), expected);
  }
  // BIP94 (testnet4) retargets from the window's first nBits, not its last.
  assertEquals(
    calculateNextWorkRequired(
      NETWORKS.testnet4,
      NETWORKS.testnet4.powLimitBits,
      1262152739,
      0x1d00ffff,
      1261130161,
    ),
    0x1d00d86a,
  );
  assertEquals(
    calculateNextWorkRequired(NETWORKS.regtest, 0x207fffff, 5, 0x207fffff, 0),
    0x207fffff,
  );
});

/** A synthetic 80-byte header (PoW is not part of HeaderChain's checks). */
function header(prev: Uint8Array, time: number, bits: number): Uint8Array {
  const h = new Uint8Array(80);
  const v = new DataView(h.buffer);
  v.setInt32(0, 0x20000000, true);
  h.set(prev, 4);
  v.setUint32(68, time, true);
  v.setUint32(72, bits, true);
  return h;
}

/** Independent expectation: target × clamp(span) / two weeks, capped at the limit. */
function expectRetarget(base: number, span: number, limit: bigint): number {
  const tw = 14 * 24 * 3600;
  const s = Math.min(Math.max(span, tw / 4), tw * 4);
  const t = targetFromBits(base).target * BigInt(s) / BigInt(tw);
  return bitsFromTarget(t > limit ? limit : t);
}

for (const name of ["mainnet", "testnet3", "testnet4", "signet"] as const) {
  Deno.test(`generated header chain with compressed timestamps retargets correctly: ${name}`, () => {
    const p = NETWORKS[name];
    const chain = new HeaderChain(p, () => 2e9);
    let prev = new Uint8Array(32) as Uint8Array;
    let bits = name === "signet" ? p.powLimitBits : 0x1c05a3f4;
    let time = 1_600_000_000;
    let firstTime = time;
    let firstBits = bits;
    let lastTime = time;
    // Per window: 10× fast, 10× fast, slow (4× where the 20-minute rule does not apply), on target.
    const spacing = [60, 60, p.allowMinDifficultyBlocks ? 1100 : 2400, 600];
    for (let h = 0; h <= 4 * RETARGET_INTERVAL; h++) {
      if (h > 0 && h % RETARGET_INTERVAL === 0) {
        bits = expectRetarget(p.enforceBIP94 ? firstBits : bits, lastTime - firstTime, p.powLimit);
      }
      const hdr = header(prev, time, bits);
      if (h > 0 && h % RETARGET_INTERVAL === 0) {
        const wrong = header(prev, time, bits + 1);
        assertEquals(chain.check(wrong, h)?.code, "bad-diffbits", `${name} wrong bits at ${h}`);
      }
      assertEquals(chain.check(hdr, h), null, `${name} height ${h}`);
      chain.accept(hdr, sha256d(hdr), h);
      if (h % RETARGET_INTERVAL === 0) {
        firstTime = time;
        firstBits = bits;
      }
      prev = sha256d(hdr);
      lastTime = time;
      time += spacing[Math.floor(h / RETARGET_INTERVAL) % 4]!;
    }
  });
}

Deno.test("testnet 20-minute rule: min difficulty after 20 minutes, then walk back", () => {
  for (const name of ["testnet3", "testnet4"] as const) {
    const p = NETWORKS[name];
    const chain = new HeaderChain(p, () => 2e9);
    const normal = 0x1c05a3f4;
    let prev = new Uint8Array(32) as Uint8Array;
    let time = 1_600_000_000;
    const add = (h: number, bits: number, dt: number) => {
      time += dt;
      const hdr = header(prev, time, bits);
      const r = chain.check(hdr, h);
      if (r === null) {
        chain.accept(hdr, sha256d(hdr), h);
        prev = sha256d(hdr);
      } else time -= dt;
      return r?.code ?? null;
    };
    assertEquals(add(0, normal, 0), null);
    assertEquals(add(1, normal, 600), null);
    assertEquals(add(2, p.powLimitBits, 600), "bad-diffbits"); // too early for min difficulty
    assertEquals(add(2, p.powLimitBits, 1201), null); // > 2 × spacing: limit allowed
    assertEquals(add(3, p.powLimitBits, 1300), null);
    assertEquals(add(4, p.powLimitBits, 60), "bad-diffbits"); // back to normal pace…
    assertEquals(add(4, normal, 60), null); // …with the last non-minimum nBits (walk back)
  }
});

Deno.test("testnet4 BIP94 time-warp rule at retarget boundaries", () => {
  const p = NETWORKS.testnet4;
  const chain = new HeaderChain(p, () => 2e9);
  let prev = new Uint8Array(32) as Uint8Array;
  let time = 1_700_000_000;
  for (let h = 0; h < RETARGET_INTERVAL; h++) {
    const hdr = header(prev, time, p.powLimitBits);
    chain.accept(hdr, sha256d(hdr), h);
    prev = sha256d(hdr);
    time += 600;
  }
  const last = time - 600;
  const bits = calculateNextWorkRequired(p, p.powLimitBits, last, p.powLimitBits, 1_700_000_000);
  // At most 600 s before its parent — and still above median time past.
  assertEquals(
    chain.check(header(prev, last - 601, bits), RETARGET_INTERVAL)?.code,
    "time-timewarp-attack",
  );
  assertEquals(chain.check(header(prev, last - 600, bits), RETARGET_INTERVAL), null);
  // Mainnet has no such rule.
  assertEquals(
    new HeaderChain(NETWORKS.mainnet).requiredBits(RETARGET_INTERVAL, last) === undefined,
    true,
  );
});
