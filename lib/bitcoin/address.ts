/**
 * Output script → Esplora's `scriptpubkey_type` and address (base58check
 * for P2PKH/P2SH, BIP173 bech32 for witness v0, BIP350 bech32m for v1+).
 *
 * @module
 */

import { sha256d } from "../hash/sha256.ts";
import type { NetworkName } from "./network.ts";

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const B32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/** Address prefixes per network. */
const PREFIX: Record<NetworkName, { pkh: number; sh: number; hrp: string }> = {
  mainnet: { pkh: 0x00, sh: 0x05, hrp: "bc" },
  testnet3: { pkh: 0x6f, sh: 0xc4, hrp: "tb" },
  testnet4: { pkh: 0x6f, sh: 0xc4, hrp: "tb" },
  signet: { pkh: 0x6f, sh: 0xc4, hrp: "tb" },
  regtest: { pkh: 0x6f, sh: 0xc4, hrp: "bcrt" },
};

function base58check(version: number, payload: Uint8Array): string {
  const data = new Uint8Array(1 + payload.length + 4);
  data[0] = version;
  data.set(payload, 1);
  data.set(sha256d(data.subarray(0, 1 + payload.length)).subarray(0, 4), 1 + payload.length);
  let n = 0n;
  for (const b of data) n = n * 256n + BigInt(b);
  let s = "";
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const b of data) {
    if (b !== 0) break;
    s = "1" + s;
  }
  return s;
}

function polymod(values: number[]): number {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= G[i]!;
  }
  return chk >>> 0;
}

function segwitAddress(hrp: string, version: number, program: Uint8Array): string {
  const data = [version];
  let acc = 0, bits = 0;
  for (const b of program) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) data.push((acc << (5 - bits)) & 31);
  const expand = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat(
    [0],
    [...hrp].map((c) => c.charCodeAt(0) & 31),
  );
  const constant = version === 0 ? 1 : 0x2bc830a3;
  const mod = polymod([...expand, ...data, 0, 0, 0, 0, 0, 0]) ^ constant;
  const check = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...check].map((d) => B32[d]).join("")}`;
}

/** Esplora's script type and, where one exists, the address. */
export interface ScriptInfo {
  type: string;
  address?: string;
}

/**
 * Classifies an output script as Esplora does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromHex } from "../bytes/hex.ts";
 * import { classifyScript } from "./address.ts";
 * // BIP173's P2WPKH example.
 * const s = fromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6");
 * assert.deepEqual(classifyScript(s, "mainnet"), {
 *   type: "v0_p2wpkh",
 *   address: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
 * });
 * ```
 */
export function classifyScript(s: Uint8Array, network: NetworkName): ScriptInfo {
  const p = PREFIX[network];
  const n = s.length;
  if (n === 0) return { type: "empty" };
  if (s[0] === 0x6a) return { type: "op_return" };
  if ((n === 35 && s[0] === 33 || n === 67 && s[0] === 65) && s[n - 1] === 0xac) {
    return { type: "p2pk" };
  }
  if (
    n === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 20 && s[23] === 0x88 && s[24] === 0xac
  ) {
    return { type: "p2pkh", address: base58check(p.pkh, s.subarray(3, 23)) };
  }
  if (n === 23 && s[0] === 0xa9 && s[1] === 20 && s[22] === 0x87) {
    return { type: "p2sh", address: base58check(p.sh, s.subarray(2, 22)) };
  }
  const v = s[0] === 0 ? 0 : s[0]! >= 0x51 && s[0]! <= 0x60 ? s[0]! - 0x50 : -1;
  if (v >= 0 && n >= 4 && n <= 42 && s[1] === n - 2) {
    const program = s.subarray(2);
    if (v === 0 && n === 22) {
      return { type: "v0_p2wpkh", address: segwitAddress(p.hrp, 0, program) };
    }
    if (v === 0 && n === 34) return { type: "v0_p2wsh", address: segwitAddress(p.hrp, 0, program) };
    if (v === 1 && n === 34) return { type: "v1_p2tr", address: segwitAddress(p.hrp, 1, program) };
    if (v > 0) return { type: "unknown", address: segwitAddress(p.hrp, v, program) };
  }
  if (s[0]! >= 0x51 && s[0]! <= 0x60 && s[n - 1] === 0xae) return { type: "multisig" };
  return { type: "unknown" };
}
