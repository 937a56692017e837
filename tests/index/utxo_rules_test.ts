import { assertEquals } from "../_support/assert.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { ChainIndexer } from "../../lib/index/chain_indexer.ts";
import { BlockChecker } from "../../lib/validate/check_block.ts";
import { bip30LooksUp, BIP34_IMPLIES_BIP30_LIMIT } from "../../lib/utxo/block_subsidy.ts";
import { BROKEN, brokenChain, CHAIN, MUTATIONS } from "../_support/utxo_mutations.ts";

async function connectAll(blocks: Uint8Array[]) {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-rules-" });
  const indexer = await ChainIndexer.open(dir, {
    network: NETWORKS.regtest,
    startHeight: 0,
    archiveHeight: blocks.length - 1,
    checkpointEvery: 5000,
  });
  const checker = new BlockChecker(NETWORKS.regtest);
  try {
    for (const [h, bytes] of blocks.entries()) {
      const hash = blockHash(bytes);
      const f = checker.check(bytes, hash, h, "full") ?? indexer.connect(bytes, h, hash);
      if (f) return { height: h, code: f.code as string, detail: f.detail };
    }
    return null;
  } finally {
    indexer.close();
  }
}

Deno.test("chain-wide rules: the generated chain passes, including coinbase spends at ≥ 100 confirmations", async () => {
  assertEquals(await connectAll(CHAIN.map((b) => b.bytes)), null);
});

for (const [what, { code, mutate }] of Object.entries(MUTATIONS)) {
  Deno.test(`chain-wide rules: ${what} → ${code} at the broken block`, async () => {
    const failure = await connectAll(brokenChain(mutate));
    assertEquals([failure?.height, failure?.code], [BROKEN, code], failure?.detail);
  });
}

Deno.test("BIP30 looks up new outputs unless BIP34's block was the pinned one, and again from Core's limit", () => {
  for (const h of [1, 227_931, 227_932, 1_000_000]) assertEquals(bip30LooksUp(false, h), true);
  assertEquals(bip30LooksUp(true, 227_932), false);
  assertEquals(bip30LooksUp(true, BIP34_IMPLIES_BIP30_LIMIT - 1), false);
  assertEquals(bip30LooksUp(true, BIP34_IMPLIES_BIP30_LIMIT), true);
});
