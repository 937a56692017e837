/**
 * The genesis block of each network, built the way Bitcoin Core's
 * `CreateGenesisBlock` does (one coinbase transaction, 50 BTC).
 *
 * @module
 */

import { encodeCompactSize } from "../bytes/compact_size.ts";
import { concatBytes } from "../bytes/concat.ts";
import { fromHex } from "../bytes/hex.ts";
import { sha256d } from "../hash/sha256.ts";
import { type BlockHeader, serializeHeader } from "./header.ts";
import type { NetworkName } from "./network.ts";
import { pushData, pushNumber, scriptNum } from "./script_push.ts";

const TIMES = "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks";
const SATOSHI_KEY =
  "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f";
const TESTNET4_MSG = "03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e";
const TESTNET4_KEY = "00".repeat(33);

interface GenesisSpec {
  message: string;
  key: string;
  time: number;
  nonce: number;
  bits: number;
}

const SPECS: Record<NetworkName, GenesisSpec> = {
  mainnet: {
    message: TIMES,
    key: SATOSHI_KEY,
    time: 1231006505,
    nonce: 2083236893,
    bits: 0x1d00ffff,
  },
  testnet3: {
    message: TIMES,
    key: SATOSHI_KEY,
    time: 1296688602,
    nonce: 414098458,
    bits: 0x1d00ffff,
  },
  testnet4: {
    message: TESTNET4_MSG,
    key: TESTNET4_KEY,
    time: 1714777860,
    nonce: 393743547,
    bits: 0x1d00ffff,
  },
  signet: { message: TIMES, key: SATOSHI_KEY, time: 1598918400, nonce: 52613770, bits: 0x1e0377ae },
  regtest: { message: TIMES, key: SATOSHI_KEY, time: 1296688602, nonce: 2, bits: 0x207fffff },
};

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/**
 * The serialized genesis block of `network`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { genesisBlock } from "./genesis.ts";
 * assert(genesisBlock("mainnet").length === 285);
 * ```
 */
export function genesisBlock(network: NetworkName): Uint8Array {
  const spec = SPECS[network];
  const scriptSig = concatBytes([
    pushNumber(486604799),
    pushData(scriptNum(4)), // CScriptNum(4) is pushed as data, not OP_4
    pushData(new TextEncoder().encode(spec.message)),
  ]);
  const scriptPubKey = concatBytes([pushData(fromHex(spec.key)), Uint8Array.of(0xac)]);
  const value = new Uint8Array(8);
  new DataView(value.buffer).setBigUint64(0, 50n * 100_000_000n, true);
  const tx = concatBytes([
    u32le(1),
    Uint8Array.of(1),
    new Uint8Array(32),
    u32le(0xffffffff),
    encodeCompactSize(scriptSig.length),
    scriptSig,
    u32le(0xffffffff),
    Uint8Array.of(1),
    value,
    encodeCompactSize(scriptPubKey.length),
    scriptPubKey,
    u32le(0),
  ]);
  const header: BlockHeader = {
    version: 1,
    prevHash: new Uint8Array(32),
    merkleRoot: sha256d(tx),
    time: spec.time,
    bits: spec.bits,
    nonce: spec.nonce,
  };
  return concatBytes([serializeHeader(header), Uint8Array.of(1), tx]);
}
