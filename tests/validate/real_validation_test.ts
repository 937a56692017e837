import { assertEquals, assertTrue } from "../_support/assert.ts";
import { fromHex } from "../../lib/bytes/hex.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";
import { networkByName, NETWORKS } from "../../lib/bitcoin/network.ts";
import type { OrderedBlock } from "../../lib/chain/chain_types.ts";
import { BlockChecker } from "../../lib/validate/check_block.ts";
import { HeaderChain } from "../../lib/validate/header_chain.ts";
import type { BlockRejection } from "../../lib/validate/reject.ts";
import { validateBlocks } from "../../lib/validate/validate_blocks.ts";
import { genesisBlock } from "../../lib/bitcoin/genesis.ts";
import { realBlocks, realFile, realTest } from "../_support/real_data.ts";

realTest("every real block passes the per-block checks at full", () => {
  const checkers = new Map<string, BlockChecker>();
  let n = 0;
  for (const { entry, bytes } of realBlocks()) {
    const net = entry.net.startsWith("private") ? "mainnet" : entry.net;
    let c = checkers.get(net);
    if (!c) checkers.set(net, c = new BlockChecker(networkByName(net)));
    const f = c.check(bytes, blockHash(bytes), entry.height, "full");
    assertEquals(f, null, `${entry.file} ${entry.loc} (height ${entry.height})`);
    n++;
  }
  assertEquals(n, 2011);
});

/** Runs the full validator stage over consecutive blocks starting at genesis. */
async function validateRun(network: keyof typeof NETWORKS, blocks: Uint8Array[]) {
  const rejects: BlockRejection[] = [];
  const input = blocks.map((bytes, height): OrderedBlock => ({
    height,
    hash: blockHash(bytes),
    bytes,
    file: 0,
    offset: 0,
  }));
  const out: OrderedBlock[] = [];
  const stream = ReadableStream.from(input).pipeThrough(
    validateBlocks({ network: NETWORKS[network], onReject: (r) => rejects.push(r) }),
  );
  for await (const b of stream) out.push(b);
  return { passed: out.length, rejects };
}

function blkRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 0; at < bytes.length;) {
    const len = v.getUint32(at + 4, true);
    out.push(bytes.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
  return out;
}

realTest(
  "contiguous real chains pass the full validator with context (links, nBits, MTP)",
  async () => {
    const text = (p: string) => new TextDecoder().decode(realFile(p));
    const mainnet = blkRecords(realFile("hadoopcryptoledger/firstblocks.blk"));
    assertEquals(await validateRun("mainnet", mainnet), { passed: 590, rejects: [] });
    const kernel = text("rust-bitcoinkernel/block_data.txt").trim().split("\n").map(fromHex);
    assertEquals(await validateRun("regtest", [genesisBlock("regtest"), ...kernel]), {
      passed: 207,
      rejects: [],
    });
    const signet = (JSON.parse(text("floresta/signet_blocks_0-120.json")) as { block: string }[])
      .map((b) => fromHex(b.block));
    assertEquals(await validateRun("signet", signet), { passed: 121, rejects: [] });
    const stats = (JSON.parse(text("bitcoin-core/rpc_getblockstats.json")) as { blocks: string[] })
      .blocks.map(fromHex);
    assertEquals(await validateRun("regtest", stats), { passed: 104, rejects: [] });
  },
);

realTest(
  "real header chains: mainnet 0..10236 and signet 0..2015 pass; a changed nBits fails",
  () => {
    for (
      const [file, net] of [
        ["floresta/headers_mainnet_0-10236.bin", "mainnet"],
        ["floresta/signet_headers_0-2015.bin", "signet"],
      ] as const
    ) {
      const bytes = realFile(file);
      const chain = new HeaderChain(NETWORKS[net]);
      for (let h = 0; 80 * h < bytes.length; h++) {
        const header = bytes.subarray(80 * h, 80 * h + 80);
        assertEquals(chain.check(header, h), null, `${file} height ${h}`);
        if (h === 4033 && net === "mainnet") {
          const changed = header.slice();
          changed[72]! ^= 1;
          assertEquals(chain.check(changed, h)?.code, "bad-diffbits");
          const early = header.slice();
          new DataView(early.buffer).setUint32(68, chain.medianTimePast(h - 1), true);
          assertEquals(chain.check(early, h)?.code, "time-too-old");
        }
        chain.accept(header, blockHash(header), h);
      }
      assertTrue(chain.tipHeight > 2000);
    }
  },
);
