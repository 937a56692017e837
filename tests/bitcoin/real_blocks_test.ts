import { assertEquals } from "../_support/assert.ts";
import { BlockLayout, TX_SEGWIT } from "../../lib/bitcoin/block_layout.ts";
import { serializeBlock } from "../../lib/bitcoin/block_serialize.ts";
import { blockHash, parseHeader } from "../../lib/bitcoin/header.ts";
import { merkleRoot } from "../../lib/bitcoin/merkle.ts";
import { checkProofOfWork } from "../../lib/bitcoin/pow.ts";
import { computeTxids, computeTxidsAndWtxids, computeWtxids } from "../../lib/bitcoin/txid.ts";
import { checkWitnessCommitment } from "../../lib/bitcoin/witness_commitment.ts";
import { networkByName } from "../../lib/bitcoin/network.ts";
import { bytesEqual, hashToHex } from "../../lib/bytes/hex.ts";
import { sha256d } from "../../lib/hash/sha256.ts";
import { realBlocks, realEntries, realFile, realTest } from "../_support/real_data.ts";

realTest("every corpus block parses, round-trips and matches MANIFEST values", () => {
  const layout = new BlockLayout();
  const blocks = realBlocks();
  assertEquals(blocks.length, 2011);
  let segwitBlocks = 0;
  for (const { entry, bytes } of blocks) {
    const where = `${entry.file} ${entry.loc}`;
    layout.parse(bytes);
    assertEquals(bytesEqual(serializeBlock(layout), bytes), true, `round trip ${where}`);
    assertEquals(hashToHex(blockHash(bytes)), entry.hash, where);
    const h = parseHeader(bytes);
    assertEquals(hashToHex(h.prevHash), entry.prev, where);
    assertEquals(layout.txCount, entry.ntx, where);
    assertEquals(bytes.length, entry.size, where);
    assertEquals(layout.weight(), entry.weight, where);
    let segwitTxs = 0;
    for (let t = 0; t < layout.txCount; t++) if (layout.txFlags[t]! & TX_SEGWIT) segwitTxs++;
    assertEquals(segwitTxs, entry.n_segwit_tx ?? 0, where);
    const { root, mutated } = merkleRoot(computeTxids(layout));
    assertEquals(hashToHex(root), hashToHex(h.merkleRoot), `merkle ${where}`);
    assertEquals(mutated, false, where);
    const net = entry.net.startsWith("private") ? "mainnet" : entry.net;
    // Before SegWit activation Core does not check commitments (block 481815 has one
    // without a coinbase witness).
    if (
      entry.witness_commitment_ok !== undefined && entry.height >= networkByName(net).segwitHeight
    ) {
      assertEquals(checkWitnessCommitment(layout), "ok", `commitment ${where}`);
      segwitBlocks++;
    }
    assertEquals(checkProofOfWork(blockHash(bytes), h.bits, networkByName(net).powLimit), null);
  }
  assertEquals(segwitBlocks > 20, true, "corpus has segwit blocks with commitments");
});

realTest("batch txids equal single-message txids on large segwit blocks", () => {
  const layout = new BlockLayout();
  const block = realFile("floresta/block_866342.raw");
  layout.parse(block);
  const ids = computeTxids(layout);
  for (let t = 0; t < layout.txCount; t += 97) {
    const s = layout.txStart[t]!, e = layout.txEnd[t]!;
    let stripped: Uint8Array;
    if (layout.txFlags[t]! & TX_SEGWIT) {
      const body = block.subarray(layout.txBodyStart[t]!, layout.txWitnessStart[t]!);
      stripped = new Uint8Array(8 + body.length);
      stripped.set(block.subarray(s, s + 4));
      stripped.set(body, 4);
      stripped.set(block.subarray(e - 4, e), 4 + body.length);
    } else {
      stripped = block.subarray(s, e);
    }
    assertEquals(hashToHex(ids.subarray(32 * t, 32 * t + 32)), hashToHex(sha256d(stripped)));
  }
});

realTest("header-only corpus files hash to their indexed hashes", () => {
  const headers = realFile("floresta/headers_mainnet_0-10236.bin");
  assertEquals(headers.length, 80 * 10237);
  let prev: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < 10237; i++) {
    const h = parseHeader(headers, 80 * i);
    assertEquals(bytesEqual(h.prevHash, prev), true, `link at ${i}`);
    prev = blockHash(headers, 80 * i);
    assertEquals(checkProofOfWork(prev, h.bits, networkByName("mainnet").powLimit), null);
  }
  for (const e of realEntries().filter((e) => e.ntx === undefined && e.file.endsWith(".raw"))) {
    assertEquals(hashToHex(blockHash(realFile(e.file))), e.hash);
  }
});

realTest("txids and wtxids from one batch equal those hashed apart, for every corpus block", () => {
  const layout = new BlockLayout();
  let witnessBlocks = 0;
  for (const { entry, bytes } of realBlocks()) {
    layout.parse(bytes);
    const apart = computeTxids(layout);
    const wtxApart = computeWtxids(layout);
    const { txids, wtxids } = computeTxidsAndWtxids(layout);
    const where = `${entry.file} ${entry.loc}`;
    assertEquals(hashToHex(sha256d(txids)), hashToHex(sha256d(apart)), `txids ${where}`);
    assertEquals(hashToHex(sha256d(wtxids)), hashToHex(sha256d(wtxApart)), `wtxids ${where}`);
    assertEquals(
      txids.byteLength,
      txids.buffer.byteLength,
      "txids own their buffer (transferable)",
    );
    if (!bytesEqual(txids.subarray(32), wtxids.subarray(32))) witnessBlocks++;
  }
  assertEquals(witnessBlocks > 10, true, `only ${witnessBlocks} blocks with witness data`);
});
