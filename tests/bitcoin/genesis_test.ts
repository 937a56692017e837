import { assertEquals } from "../_support/assert.ts";
import { genesisBlock } from "../../lib/bitcoin/genesis.ts";
import { blockHash, parseHeader } from "../../lib/bitcoin/header.ts";
import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { merkleRoot } from "../../lib/bitcoin/merkle.ts";
import { checkProofOfWork } from "../../lib/bitcoin/pow.ts";
import { NETWORK_NAMES, networkByMagic, NETWORKS } from "../../lib/bitcoin/network.ts";
import { bytesEqual, hashToHex } from "../../lib/bytes/hex.ts";

Deno.test("every network's genesis block hashes to its known hash and passes PoW", () => {
  for (const name of NETWORK_NAMES) {
    const block = genesisBlock(name);
    const hash = blockHash(block);
    assertEquals(hashToHex(hash), NETWORKS[name].genesisHash, name);
    const h = parseHeader(block);
    assertEquals(checkProofOfWork(hash, h.bits, NETWORKS[name].powLimit), null, name);
    const layout = new BlockLayout().parse(block);
    assertEquals(bytesEqual(merkleRoot(computeTxids(layout)).root, h.merkleRoot), true, name);
  }
});

Deno.test("networks are told apart by magic", () => {
  for (const name of NETWORK_NAMES) {
    assertEquals(networkByMagic(NETWORKS[name].magic)?.name, name);
  }
  assertEquals(networkByMagic(new Uint8Array(4)), undefined);
});
