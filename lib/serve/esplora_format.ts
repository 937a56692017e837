/**
 * Esplora's JSON shapes (Blockstream/esplora API.md "Transaction format",
 * "Block format"), built from block bytes: field names, units (satoshis)
 * and byte order (display hex for hashes) as Esplora prints them.
 *
 * @module
 */

import { classifyScript } from "../bitcoin/address.ts";
import type { BlockLayout } from "../bitcoin/block_layout.ts";
import { TX_SEGWIT } from "../bitcoin/block_layout.ts";
import type { NetworkName } from "../bitcoin/network.ts";
import { scriptAsm } from "../bitcoin/script_asm.ts";
import { hashToHex, toHex } from "../bytes/hex.ts";
import { ByteCursor } from "../bytes/cursor.ts";

/** A transaction output as Esplora prints it (`vout[]`, `vin[].prevout`). */
export interface EsploraOutput {
  scriptpubkey: string;
  scriptpubkey_asm: string;
  scriptpubkey_type: string;
  scriptpubkey_address?: string;
  value: number;
}

/** A confirmed transaction's status. */
export interface EsploraStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  block_time?: number;
}

/** An output from its script and value. */
export function esploraOutput(
  script: Uint8Array,
  value: number,
  network: NetworkName,
): EsploraOutput {
  const info = classifyScript(script, network);
  return {
    scriptpubkey: toHex(script),
    scriptpubkey_asm: scriptAsm(script),
    scriptpubkey_type: info.type,
    ...(info.address ? { scriptpubkey_address: info.address } : {}),
    value,
  };
}

/** Block difficulty from nBits (relative to the mainnet proof-of-work limit). */
export function difficulty(bits: number): number {
  const exp = bits >>> 24, mant = bits & 0xffffff;
  return (0xffff / mant) * 256 ** (0x1d - exp);
}

/** Esplora's block JSON. */
export function esploraBlock(
  L: BlockLayout,
  hash: Uint8Array,
  height: number,
  mediantime: number,
): Record<string, unknown> {
  const b = L.bytes;
  const v = new DataView(b.buffer, b.byteOffset, 80);
  const prev = b.subarray(4, 36);
  return {
    id: hashToHex(hash),
    height,
    version: v.getInt32(0, true),
    timestamp: v.getUint32(68, true),
    tx_count: L.txCount,
    size: b.length,
    weight: L.weight(),
    merkle_root: hashToHex(b.subarray(36, 68)),
    previousblockhash: prev.every((x) => x === 0) ? null : hashToHex(prev),
    mediantime,
    nonce: v.getUint32(76, true),
    bits: v.getUint32(72, true),
    difficulty: difficulty(v.getUint32(72, true)),
  };
}

function witnessOf(b: Uint8Array, at: number): string[] {
  const c = new ByteCursor(b, at);
  const n = c.compactSize("witness items");
  const items: string[] = [];
  for (let k = 0; k < n; k++) items.push(toHex(c.take(c.compactSize("item"), "item")));
  return items;
}

/**
 * Esplora's transaction JSON for transaction `t` of the parsed block `L`.
 * `prevouts[i]` is the output input i spends (null for the coinbase);
 * `status` is omitted for a block's transaction list, as Esplora does.
 */
export function esploraTx(
  L: BlockLayout,
  t: number,
  txid: Uint8Array,
  prevouts: Array<EsploraOutput | null>,
  network: NetworkName,
  status?: EsploraStatus,
): Record<string, unknown> {
  const b = L.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const start = L.txStart[t]!, end = L.txEnd[t]!;
  const segwit = (L.txFlags[t]! & TX_SEGWIT) !== 0;
  const witnessBytes = segwit ? end - 4 - L.txWitnessStart[t]! + 2 : 0;
  const size = end - start;
  const vin = [];
  let valueIn = 0;
  for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
    const p = L.inPrevout[i]!, s = L.inScript[i]!, n = L.inScriptLen[i]!;
    const prevout = prevouts[i - L.txFirstInput[t]!] ?? null;
    valueIn += prevout?.value ?? 0;
    const script = b.subarray(s, s + n);
    vin.push({
      txid: hashToHex(b.subarray(p, p + 32)),
      vout: dv.getUint32(p + 32, true),
      prevout,
      scriptsig: toHex(script),
      scriptsig_asm: scriptAsm(script),
      ...(segwit && L.inWitness[i] ? { witness: witnessOf(b, L.inWitness[i]!) } : {}),
      is_coinbase: t === 0,
      sequence: dv.getUint32(s + n, true),
    });
  }
  const vout = [];
  let valueOut = 0;
  for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
    const value = L.outputValue(o);
    valueOut += value;
    vout.push(
      esploraOutput(
        b.subarray(L.outScript[o]!, L.outScript[o]! + L.outScriptLen[o]!),
        value,
        network,
      ),
    );
  }
  return {
    txid: hashToHex(txid),
    version: dv.getInt32(start, true),
    locktime: dv.getUint32(end - 4, true),
    vin,
    vout,
    size,
    weight: (size - witnessBytes) * 4 + witnessBytes,
    fee: t === 0 ? 0 : valueIn - valueOut,
    ...(status ? { status } : {}),
  };
}
