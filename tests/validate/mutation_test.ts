import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { pushData, pushNumber } from "../../lib/bitcoin/script_push.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { BlockChecker } from "../../lib/validate/check_block.ts";
import { CheckPool } from "../../lib/validate/check_pool.ts";
import { HeaderChain, type HeaderChainState } from "../../lib/validate/header_chain.ts";
import { type Block, decodeBlock, reseal, setHeader, unmine } from "../_support/block_model.ts";
import { realFile, realTest } from "../_support/real_data.ts";

const REGTEST = NETWORKS.regtest;

// A generated chain whose tip block has several transactions, multi-input and segwit ones.
const chain: GenBlock[] = [...generateChain({ seed: 3, blocks: 140, targetBlockSize: 6000 })];
const H = chain.length - 1;
const target = chain[H]!;
const prefix: HeaderChainState = (() => {
  const hc = new HeaderChain(REGTEST);
  for (const b of chain.slice(0, H)) hc.accept(b.bytes.subarray(0, 80), b.hash, b.height);
  return hc.snapshot();
})();

/** The code the validator gives `bytes` at height H on top of the generated prefix. */
function verdict(bytes: Uint8Array, height = H): string | null {
  const hc = new HeaderChain(REGTEST);
  hc.restore(prefix);
  const f = new BlockChecker(REGTEST).check(bytes, blockHash(bytes), height) ??
    hc.check(bytes.subarray(0, 80), height);
  return f?.code ?? null;
}

function mutate(edit: (b: Block) => void, seal?: Parameters<typeof reseal>[1]): Uint8Array {
  const b = decodeBlock(target.bytes);
  edit(b);
  return reseal(b, seal);
}

const txWith = (b: Block, pred: (t: Block["txs"][number]) => boolean) => {
  const i = b.txs.findIndex((t, k) => k > 0 && pred(t));
  if (i < 0) throw new Error("generated block lacks the transaction shape this mutation needs");
  return b.txs[i]!;
};

Deno.test("the unmutated generated block passes, and so does a reseal without change", () => {
  const b = decodeBlock(target.bytes);
  assertTrue(b.txs.length >= 4, `only ${b.txs.length} txs`);
  assertTrue(b.txs.some((t) => t.segwit), "no segwit tx");
  assertTrue(b.txs.some((t) => t.inputs.length >= 2), "no multi-input tx");
  assertEquals(verdict(target.bytes), null);
  assertEquals(verdict(mutate(() => {})), null);
});

const MUTATIONS: Array<[string, string, () => Uint8Array]> = [
  ["flipped merkle root byte", "bad-txnmrklroot", () =>
    mutate((b) => {
      b.header[40]! ^= 1;
    }, { merkle: false })],
  ["CVE-2012-2459 duplicated transactions", "bad-txns-duplicate", () =>
    mutate((b) => {
      // With an odd count, repeating the last transaction leaves the merkle root unchanged.
      if (b.txs.length % 2 === 0) b.txs.pop();
      b.txs.push(b.txs[b.txs.length - 1]!);
    })],
  ["bad nonce", "high-hash", () => {
    const bytes = target.bytes.slice();
    unmine(bytes);
    return bytes;
  }],
  [
    "harder nBits than required",
    "bad-diffbits",
    () => mutate((b) => setHeader(b, { bits: 0x2000ffff })),
  ],
  [
    "easier nBits than the limit",
    "high-hash",
    () => mutate((b) => setHeader(b, { bits: 0x2100ffff })),
  ],
  ["timestamp equal to median time past", "time-too-old", () => {
    const hc = new HeaderChain(REGTEST);
    hc.restore(prefix);
    return mutate((b) => setHeader(b, { time: hc.medianTimePast(H - 1) }));
  }],
  [
    "timestamp three hours in the future",
    "time-too-new",
    () => mutate((b) => setHeader(b, { time: Math.floor(Date.now() / 1000) + 3 * 3600 })),
  ],
  [
    "wrong previous block",
    "bad-prevblk",
    () => mutate((b) => setHeader(b, { prev: chain[H - 2]!.hash })),
  ],
  ["wrong BIP34 height", "bad-cb-height", () =>
    mutate((b) => {
      const cb = b.txs[0]!.inputs[0]!;
      cb.script = new Uint8Array([...pushNumber(H + 1), ...pushData(new Uint8Array(4))]);
    })],
  ["obsolete version 1", "bad-version", () => mutate((b) => setHeader(b, { version: 1 }))],
  ["negative version", "bad-version", () => mutate((b) => setHeader(b, { version: -1 }))],
  ["incorrect witness commitment", "bad-witness-merkle-match", () =>
    mutate((b) => {
      txWith(b, (t) => t.segwit).inputs[0]!.witness[0]![5]! ^= 1;
    }, { commitment: false })],
  ["missing witness commitment", "unexpected-witness", () =>
    mutate((b) => {
      b.txs[0]!.outputs = b.txs[0]!.outputs.filter((o) => o.script[0] !== 0x6a);
    })],
  ["witness nonce of the wrong size", "bad-witness-nonce-size", () =>
    mutate((b) => {
      b.txs[0]!.inputs[0]!.witness = [new Uint8Array(31)];
    }, { commitment: false })],
  ["duplicate input within a transaction", "bad-txns-inputs-duplicate", () =>
    mutate((b) => {
      const t = txWith(b, (t) => t.inputs.length >= 2);
      t.inputs[1]!.prevout = t.inputs[0]!.prevout.slice();
    })],
  [
    "the same outpoint spent by two transactions",
    "bad-txns-inputs-missingorspent",
    () =>
      mutate((b) => {
        b.txs[2]!.inputs[0]!.prevout = b.txs[1]!.inputs[0]!.prevout.slice();
      }),
  ],
  ["oversize block", "bad-blk-length", () =>
    mutate((b) => {
      const big = txWith(b, () => true);
      big.outputs.push({ value: 0n, script: new Uint8Array(1_000_100).fill(0x6a) });
    })],
  ["coinbase not first", "bad-cb-missing", () =>
    mutate((b) => {
      [b.txs[0], b.txs[1]] = [b.txs[1]!, b.txs[0]!];
    })],
  ["a second coinbase", "bad-cb-multiple", () =>
    mutate((b) => {
      const cb = structuredClone(b.txs[0]!);
      cb.inputs[0]!.script = new Uint8Array([...pushNumber(H), 0x51, 0x52]);
      b.txs.push(cb);
    })],
  ["coinbase script of one byte", "bad-cb-length", () =>
    mutate((b) => {
      b.txs[0]!.inputs[0]!.script = Uint8Array.of(0x51);
    })],
  ["negative output value", "bad-txns-vout-negative", () =>
    mutate((b) => {
      txWith(b, () => true).outputs[0]!.value = -1n;
    })],
  ["output above 21 million BTC", "bad-txns-vout-toolarge", () =>
    mutate((b) => {
      txWith(b, () => true).outputs[0]!.value = 2_100_000_000_000_001n;
    })],
  ["output sum above 21 million BTC", "bad-txns-txouttotal-toolarge", () =>
    mutate((b) => {
      const t = txWith(b, () => true);
      t.outputs.push({ value: 2_000_000_000_000_000n, script: Uint8Array.of(0x51) });
      t.outputs.push({ value: 2_000_000_000_000_000n, script: Uint8Array.of(0x51) });
    })],
  ["transaction without outputs", "bad-txns-vout-empty", () =>
    mutate((b) => {
      txWith(b, () => true).outputs = [];
    })],
  ["null prevout outside the coinbase", "bad-txns-prevout-null", () =>
    mutate((b) => {
      const t = txWith(b, (t) => t.inputs.length >= 2);
      t.inputs[1]!.prevout = new Uint8Array(36).fill(0xff, 32);
    })],
  ["too many legacy sigops", "bad-blk-sigops", () =>
    mutate((b) => {
      txWith(b, () => true).outputs[0]!.script = new Uint8Array(1001).fill(0xae);
    })],
  [
    "truncated transaction",
    "bad-blk-parse",
    () => target.bytes.subarray(0, target.bytes.length - 1),
  ],
];

for (const [name, code, make] of MUTATIONS) {
  Deno.test(`mutation rejected with its code: ${name} → ${code}`, () => {
    assertEquals(verdict(make()), code);
  });
}

realTest("real-block mutations keep proof of work and are rejected with their codes", () => {
  const mainnet = new BlockChecker(NETWORKS.mainnet);
  const check = (bytes: Uint8Array, height: number) =>
    mainnet.check(bytes, blockHash(bytes), height)?.code ?? null;
  // Odd transaction count: duplicating the last transaction keeps the merkle root.
  const b300025 = realFile("bcoin/block300025.raw");
  assertEquals(check(b300025, 300025), null);
  const m = decodeBlock(b300025);
  assertEquals(m.txs.length % 2, 1);
  m.txs.push(m.txs.at(-1)!);
  assertEquals(
    check(reseal(m, { merkle: false, commitment: false, mine: false }), 300025),
    "bad-txns-duplicate",
  );
  // A flipped byte inside a transaction: merkle root no longer matches.
  const flipped = b300025.slice();
  flipped[flipped.length - 10]! ^= 1;
  assertEquals(check(flipped, 300025), "bad-txnmrklroot");
  // A flipped witness byte in a taproot-era block: commitment no longer matches.
  const b866342 = realFile("floresta/block_866342.raw");
  assertEquals(check(b866342, 866342), null);
  const w = decodeBlock(b866342);
  w.txs.find((t, i) => i > 0 && t.segwit)!.inputs[0]!.witness[0]![3]! ^= 1;
  assertEquals(
    check(reseal(w, { merkle: false, commitment: false, mine: false }), 866342),
    "bad-witness-merkle-match",
  );
  // Nonce + 1 on a mainnet block.
  const nonce = b866342.slice();
  nonce[76]! ^= 1;
  assertEquals(check(nonce, 866342), "high-hash");
});

Deno.test("prechecks from a worker, concluded here, give check()'s verdict for every mutation, before and after the height rules activate", async () => {
  // The same rules with BIP34, BIP65/66 and SegWit not yet active at H.
  const late = {
    ...REGTEST,
    bip34Height: H + 1,
    bip65Height: H + 1,
    bip66Height: H + 1,
    segwitHeight: H + 1,
  };
  assertEquals(
    new BlockChecker(late).check(target.bytes, target.hash, H)?.code,
    "unexpected-witness",
  );
  const pool = new CheckPool(REGTEST, 2);
  try {
    const blocks = [target.bytes, ...MUTATIONS.map(([, , make]) => make())];
    const codes = new Set<string | null>();
    for (const bytes of blocks) {
      const hash = blockHash(bytes);
      const { bytes: back, pre } = await pool.precheck(bytes.slice(), "full");
      assertTrue(back.length === bytes.length && back.every((x, i) => x === bytes[i]));
      for (const net of [REGTEST, late]) {
        const checker = new BlockChecker(net);
        const want = checker.check(bytes, hash, H)?.code ?? null;
        codes.add(want);
        assertEquals(checker.conclude(pre, back, hash, H)?.code ?? null, want);
      }
    }
    assertTrue(codes.size >= MUTATIONS.length / 2, `only ${[...codes].join(", ")}`);
  } finally {
    pool.close();
  }
});
