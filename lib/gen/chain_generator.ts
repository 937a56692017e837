/**
 * Deterministic generator of valid regtest chains: coinbase with BIP34
 * height and BIP141 witness commitment, transactions spending earlier
 * outputs (value conserved, fees paid to the coinbase, coinbase outputs
 * spent only after 100 blocks), a mix of P2PKH / P2WPKH / P2TR / 2-of-3
 * P2WSH inputs and outputs, transactions from ~150 B to ~100 kB, merkle
 * roots, proof of work at the regtest target, increasing timestamps.
 * Optionally stale forks and orphans beside the main chain.
 *
 * @module
 */

import { BlockLayout } from "../bitcoin/block_layout.ts";
import { genesisBlock } from "../bitcoin/genesis.ts";
import { blockHash, HEADER_SIZE } from "../bitcoin/header.ts";
import { merkleRoot } from "../bitcoin/merkle.ts";
import { NETWORKS } from "../bitcoin/network.ts";
import { checkProofOfWork } from "../bitcoin/pow.ts";
import { pushData, pushNumber } from "../bitcoin/script_push.ts";
import { computeTxids, computeWtxids } from "../bitcoin/txid.ts";
import { sha256d } from "../hash/sha256.ts";
import { ByteWriter } from "../bytes/byte_writer.ts";
import { Prng } from "./prng.ts";
import {
  inputScriptSig,
  inputWitness,
  outputScript,
  SCRIPT_KINDS,
  ScriptKind,
} from "./script_templates.ts";
import { UtxoPool } from "./utxo_pool.ts";

/** Generator options. */
export interface ChainGenOptions {
  /** PRNG seed: same seed, same chain. */
  seed: number;
  /** Main-chain blocks to generate after genesis. */
  blocks: number;
  /** Aimed serialized block size in bytes (default 100,000; up to ~1,500,000). */
  targetBlockSize?: number;
  /** Probability per height of a stale fork beside the main chain (default 0). */
  forkRate?: number;
  /** Probability per height of an orphan (a block whose parent is never written) (default 0). */
  orphanRate?: number;
  /** Seconds between blocks on average (default 600). */
  spacing?: number;
  /**
   * A UTXO-heavy chain (for benchmarks): every transaction spends one output
   * (the largest of 8 drawn) into this many (default 0: mostly 1–3 outputs).
   */
  outputsPerTx?: number;
  /**
   * Share of transactions that consolidate 50–600 inputs (default 0.02: 8.4 inputs per
   * transaction on average; mainnet's ≈2.3 is about 0.001).
   */
  consolidationRate?: number;
  /**
   * Share of transactions that pay out to 100–1,500 outputs (default 0.01; mainnet's ≈2.6
   * outputs per transaction is about 0.001).
   */
  batchRate?: number;
}

/** One generated block. */
export interface GenBlock {
  /** Height (of the block itself, also for stale/orphan blocks). */
  height: number;
  /** Hash, internal byte order. */
  hash: Uint8Array;
  /** Serialized block. */
  bytes: Uint8Array;
  /** Main chain, stale fork, or orphan (parent never emitted). */
  kind: "main" | "stale" | "orphan";
}

const REGTEST = NETWORKS.regtest;
const COIN = 100_000_000;
const COINBASE_MATURITY = 100;
const DUST = 1_000;
const VERSION_BITS_TOP = 0x20000000;
/** Room left under MAX_BLOCK_WEIGHT (4,000,000) for the header and coinbase. */
const MAX_GENERATED_WEIGHT = 3_990_000;

/** Block subsidy at `height` on regtest (halving every 150 blocks). */
export function regtestSubsidy(height: number): number {
  const halvings = Math.floor(height / REGTEST.halvingInterval);
  return halvings >= 64 ? 0 : Math.floor(50 * COIN / 2 ** halvings);
}

interface Tip {
  hash: Uint8Array;
  time: number;
  height: number;
}

/**
 * Yields the genesis block, then each main-chain block, with any stale or
 * orphan blocks for a height right after the main block of that height.
 */
export function* generateChain(options: ChainGenOptions): Generator<GenBlock> {
  const rng = new Prng(options.seed);
  const target = options.targetBlockSize ?? 100_000;
  const spacing = options.spacing ?? 600;
  const pool = new UtxoPool();
  const layout = new BlockLayout();
  const genesis = genesisBlock("regtest");
  let tip: Tip = { hash: blockHash(genesis), time: 1296688602, height: 0 };
  yield { height: 0, hash: tip.hash, bytes: genesis, kind: "main" };
  // Coinbase rewards wait here until they mature (100 blocks), then join the pool.
  const maturing: Array<{ txid: Uint8Array; value: number; height: number }> = [];
  const shape = {
    consolidation: options.consolidationRate ?? 0.02,
    batch: options.batchRate ?? 0.01,
  };
  for (let h = 1; h <= options.blocks; h++) {
    while (maturing.length > 0 && maturing[0]!.height + COINBASE_MATURITY <= h) {
      const m = maturing.shift()!;
      pool.add(m.txid, 0, 0, m.value, ScriptKind.P2WPKH, m.height, true);
    }
    const time = tip.time + rng.int(1, 2 * spacing);
    const body = new ByteWriter(target + 4096);
    const outKinds: number[] = [];
    let txCount = 0;
    let fees = 0;
    let weight = 0;
    while (body.length < target && pool.size > 0) {
      const before = body.length, kindsBefore = outKinds.length;
      const witnessStart = { at: -1 };
      const fanOut = options.outputsPerTx ?? (pool.size < target / 100 ? -1 : 0);
      const fee = buildTx(body, pool, rng, outKinds, fanOut, witnessStart, shape);
      if (fee < 0) break;
      // BIP141 weight: 4 × bytes without witness + witness bytes (marker and flag included).
      const size = body.length - before;
      const wit = witnessStart.at < 0 ? 0 : body.length - 4 - witnessStart.at + 2;
      const txWeight = 4 * (size - wit) + wit;
      if (weight + txWeight > MAX_GENERATED_WEIGHT) {
        body.truncate(before); // its inputs leave the pool unspent: harmless
        outKinds.length = kindsBefore;
        break;
      }
      weight += txWeight;
      fees += fee;
      txCount++;
    }
    const block = assemble(tip, h, time, body.view(), txCount, regtestSubsidy(h) + fees, 0, rng);
    const txids = addOutputs(pool, layout.parse(block.bytes), outKinds, h);
    maturing.push({ txid: txids.slice(0, 32), value: layout.outputValue(0), height: h });
    yield { height: h, hash: block.hash, bytes: block.bytes, kind: "main" };
    // Forks stop two blocks before the end so the main chain always has the most work.
    if (h >= 2 && h + 2 <= options.blocks && options.forkRate && rng.chance(options.forkRate)) {
      // A stale sibling of block h (1 or 2 blocks long), coinbase only.
      const stale = assemble(tip, h, time + 1, new Uint8Array(0), 0, regtestSubsidy(h), 1, rng);
      yield { height: h, hash: stale.hash, bytes: stale.bytes, kind: "stale" };
      if (rng.chance(0.5)) {
        const staleTip = { hash: stale.hash, time: time + 1, height: h };
        const s2 = assemble(
          staleTip,
          h + 1,
          time + 2,
          new Uint8Array(0),
          0,
          regtestSubsidy(h + 1),
          2,
          rng,
        );
        yield { height: h + 1, hash: s2.hash, bytes: s2.bytes, kind: "stale" };
      }
    }
    if (h >= 2 && options.orphanRate && rng.chance(options.orphanRate)) {
      // Build two blocks on a side branch and keep only the second: its parent never appears.
      const mainTip = { hash: block.hash, time, height: h };
      const lost = assemble(
        mainTip,
        h + 1,
        time + 3,
        new Uint8Array(0),
        0,
        regtestSubsidy(h + 1),
        3,
        rng,
      );
      const lostTip = { hash: lost.hash, time: time + 3, height: h + 1 };
      const orphan = assemble(
        lostTip,
        h + 2,
        time + 4,
        new Uint8Array(0),
        0,
        regtestSubsidy(h + 2),
        4,
        rng,
      );
      yield { height: h + 2, hash: orphan.hash, bytes: orphan.bytes, kind: "orphan" };
    }
    tip = { hash: block.hash, time, height: h };
  }
}

/** Coinbase + body → a mined block. `tag` varies the coinbase of side blocks. */
function assemble(
  parent: Tip,
  height: number,
  time: number,
  body: Uint8Array,
  bodyTxs: number,
  reward: number,
  tag: number,
  rng: Prng,
): { hash: Uint8Array; bytes: Uint8Array } {
  const w = new ByteWriter(HEADER_SIZE + 300 + body.length);
  w.bytes(new Uint8Array(HEADER_SIZE)); // header patched below
  w.varint(1 + bodyTxs);
  // Coinbase (BIP34 height first; BIP141 commitment; witness reserved value = 32 zeros).
  w.u32(2).u8(0).u8(1).varint(1).bytes(new Uint8Array(32)).u32(0xffffffff);
  const extra = new Uint8Array(8);
  rng.fill(extra);
  extra[0] = tag;
  const scriptSig = new Uint8Array([...pushNumber(height), ...pushData(extra)]);
  w.varbytes(scriptSig).u32(0xffffffff);
  w.varint(2);
  w.u64(reward).varbytes(outputScript(ScriptKind.P2WPKH, rng));
  w.u64(0).varint(38).bytes(Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed));
  const commitmentAt = w.length;
  w.bytes(new Uint8Array(32));
  w.varint(1).varbytes(new Uint8Array(32));
  w.u32(0);
  w.bytes(body);
  const bytes = w.toBytes();
  const layout = new BlockLayout().parse(bytes);
  const witnessRoot = merkleRoot(computeWtxids(layout)).root;
  const commit = new Uint8Array(64);
  commit.set(witnessRoot);
  bytes.set(sha256d(commit), commitmentAt);
  const root = merkleRoot(computeTxids(layout)).root;
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  header.setInt32(0, VERSION_BITS_TOP, true);
  bytes.set(parent.hash, 4);
  bytes.set(root, 36);
  header.setUint32(68, time, true);
  header.setUint32(72, REGTEST.powLimitBits, true);
  for (let nonce = 0;; nonce++) {
    header.setUint32(76, nonce, true);
    const hash = blockHash(bytes);
    if (checkProofOfWork(hash, REGTEST.powLimitBits, REGTEST.powLimit) === null) {
      return { hash, bytes };
    }
  }
}

/** Appends one transaction spending pool outputs; returns its fee, or -1 if none is possible. */
function buildTx(
  w: ByteWriter,
  pool: UtxoPool,
  rng: Prng,
  outKinds: number[],
  fanOut: number,
  witnessStart: { at: number },
  shape: { consolidation: number; batch: number },
): number {
  const picked: number[] = [];
  if (fanOut > 0) {
    // UTXO-heavy: the largest of 8 drawn, so values stay above dust for long.
    let best = rng.int(0, pool.size - 1);
    for (let k = 1; k < 8; k++) {
      const i = rng.int(0, pool.size - 1);
      if (pool.values[i]! > pool.values[best]!) best = i;
    }
    picked.push(best);
  } else {
    // Input count: mostly 1–3; sometimes a consolidation of up to 600 inputs (≈90 kB).
    const want = Math.min(
      rng.chance(shape.consolidation) ? rng.int(50, 600) : rng.int(1, 3),
      pool.size,
    );
    for (let tries = 0; picked.length < want && tries < want * 4; tries++) {
      const i = rng.int(0, pool.size - 1);
      if (picked.includes(i)) continue;
      picked.push(i);
    }
  }
  if (picked.length === 0) return -1;
  // Gather inputs (copy out before removal reorders the pool).
  const n = picked.length;
  const prevouts = new Uint8Array(36 * n);
  const kinds = new Uint8Array(n);
  let total = 0;
  picked.sort((a, b) => b - a); // remove from the end first so indices stay valid
  for (let k = 0; k < n; k++) {
    const i = picked[k]!;
    prevouts.set(pool.txids.subarray(32 * i, 32 * i + 32), 36 * k);
    new DataView(prevouts.buffer).setUint32(36 * k + 32, pool.vouts[i]!, true);
    kinds[k] = pool.kinds[i]!;
    total += pool.values[i]!;
    pool.remove(i);
  }
  // Outputs: mostly 1–3; sometimes a batch payout of up to 1,500 (≈50 kB); more while the
  // pool is too small to fill blocks (fanOut -1).
  let nOut = fanOut > 0
    ? fanOut
    : rng.chance(shape.batch)
    ? rng.int(100, 1500)
    : fanOut < 0
    ? rng.int(4, 24)
    : rng.int(1, 3);
  const estSize = 60 + n * 110 + nOut * 34;
  const fee = Math.min(total, estSize * rng.int(1, 50));
  const spend = total - fee;
  nOut = Math.max(1, Math.min(nOut, Math.floor(spend / DUST)));
  const witness = Array.from(kinds).some((k) => k !== ScriptKind.P2PKH);
  w.u32(2);
  if (witness) w.u8(0).u8(1);
  w.varint(n);
  for (let k = 0; k < n; k++) {
    w.bytes(prevouts.subarray(36 * k, 36 * k + 36));
    w.varbytes(inputScriptSig(kinds[k]!, rng));
    w.u32(0xfffffffd);
  }
  w.varint(nOut);
  let left = spend;
  for (let o = 0; o < nOut; o++) {
    const value = o === nOut - 1 ? left : Math.floor(left / (nOut - o) * (0.5 + rng.float()));
    left -= value;
    const kind = rng.int(0, SCRIPT_KINDS - 1);
    outKinds.push(kind);
    w.u64(value).varbytes(outputScript(kind, rng));
  }
  if (witness) {
    witnessStart.at = w.length;
    for (let k = 0; k < n; k++) {
      const items = inputWitness(kinds[k]!, rng);
      w.varint(items.length);
      for (const item of items) w.varbytes(item);
    }
  }
  w.u32(0);
  return total - spend;
}

/** Adds the block's non-coinbase outputs to the pool; returns the txids. */
function addOutputs(
  pool: UtxoPool,
  layout: BlockLayout,
  outKinds: number[],
  height: number,
): Uint8Array {
  const txids = computeTxids(layout);
  let k = 0;
  for (let t = 1; t < layout.txCount; t++) {
    for (let o = layout.txFirstOutput[t]!; o < layout.txFirstOutput[t + 1]!; o++) {
      const value = layout.outputValue(o);
      const kind = outKinds[k++]!;
      if (value > 0) {
        pool.add(txids, 32 * t, o - layout.txFirstOutput[t]!, value, kind, height, false);
      }
    }
  }
  return txids;
}
