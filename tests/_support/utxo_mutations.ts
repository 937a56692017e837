/**
 * A generated regtest chain and one broken variant of its block
 * {@link BROKEN} per chain-wide rule (shared by the rules and collect tests).
 *
 * @module
 */

import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { toHex } from "../../lib/bytes/hex.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { type Block, decodeBlock, reseal } from "./block_model.ts";

/** A valid regtest chain (halving every 150 blocks, so the 150..219 subsidy is halved). */
export const CHAIN: GenBlock[] = [
  ...generateChain({ seed: 5, blocks: 220, targetBlockSize: 6000 }),
];
/** Height of the broken block in every mutation. */
export const BROKEN = 215;

function txidsOf(bytes: Uint8Array): Uint8Array {
  return computeTxids(new BlockLayout().parse(bytes));
}

function outpoint(txid: Uint8Array, vout: number): Uint8Array {
  const o = new Uint8Array(36);
  o.set(txid);
  new DataView(o.buffer).setUint32(32, vout, true);
  return o;
}

const key = (o: Uint8Array) => toHex(o);

/** Outpoints spent by blocks below `height`, and the (txid, vout) → value of every output. */
function history(height: number) {
  const spent = new Set<string>();
  const created: Array<{ txid: Uint8Array; vout: number; height: number; t: number }> = [];
  for (const b of CHAIN.slice(0, height)) {
    const m = decodeBlock(b.bytes);
    const ids = txidsOf(b.bytes);
    m.txs.forEach((tx, t) => {
      if (t > 0) { for (const i of tx.inputs) spent.add(key(i.prevout)); }
      tx.outputs.forEach((_, v) =>
        created.push({ txid: ids.slice(32 * t, 32 * t + 32), vout: v, height: b.height, t })
      );
    });
  }
  return { spent, created };
}

/** The broken variants of block {@link BROKEN}: each breaks exactly one chain-wide rule. */
export const MUTATIONS: Record<string, { code: string; mutate: (b: Block) => void }> = {
  "an input that does not exist": {
    code: "bad-txns-inputs-missingorspent",
    mutate: (b) => b.txs[1]!.inputs[0]!.prevout.fill(0x5a, 0, 32),
  },
  "a cross-block double spend": {
    code: "bad-txns-inputs-missingorspent",
    mutate: (b) => {
      const earlier = decodeBlock(CHAIN[BROKEN - 3]!.bytes);
      b.txs[1]!.inputs[0]!.prevout = earlier.txs[1]!.inputs[0]!.prevout.slice();
    },
  },
  "a same-block double spend": {
    code: "bad-txns-inputs-missingorspent",
    mutate: (b) => {
      b.txs[2]!.inputs[0]!.prevout = b.txs[1]!.inputs[0]!.prevout.slice();
    },
  },
  "a spend of an output created later in the block": {
    code: "bad-txns-inputs-missingorspent",
    mutate: (b) => {
      const last = b.txs.length - 1;
      const ids = txidsOf(reseal(b, { mine: false }));
      b.txs[1]!.inputs[0]!.prevout = outpoint(ids.slice(32 * last, 32 * last + 32), 0);
    },
  },
  "a coinbase spent after 99 confirmations": {
    code: "bad-txns-premature-spend-of-coinbase",
    mutate: (b) => {
      const cb = txidsOf(CHAIN[BROKEN - 99]!.bytes).slice(0, 32);
      b.txs[1]!.inputs[0]!.prevout = outpoint(cb, 0);
    },
  },
  "outputs above inputs": {
    code: "bad-txns-in-belowout",
    mutate: (b) => {
      b.txs[1]!.outputs[0]!.value += 1_000_000_000_000n;
    },
  },
  "a coinbase one satoshi above subsidy + fees": {
    code: "bad-cb-amount",
    mutate: (b) => {
      b.txs[0]!.outputs[0]!.value += 1n;
    },
  },
  "a transaction overwriting an unspent output (BIP30)": {
    code: "bad-txns-BIP30",
    mutate: (b) => {
      const { spent, created } = history(BROKEN);
      const open = created.find((c) =>
        c.t > 0 && c.height > 100 && c.height < BROKEN - 1 &&
        !spent.has(key(outpoint(c.txid, c.vout)))
      )!;
      const from = CHAIN[open.height]!;
      b.txs.push(decodeBlock(from.bytes).txs[open.t]!);
    },
  },
};

/** The chain up to {@link BROKEN} with the broken block in place. */
export function brokenChain(mutate: (b: Block) => void): Uint8Array[] {
  const b = decodeBlock(CHAIN[BROKEN]!.bytes);
  mutate(b);
  return [...CHAIN.slice(0, BROKEN).map((x) => x.bytes), reseal(b)];
}
