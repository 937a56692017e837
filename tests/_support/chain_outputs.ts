/**
 * What a generated chain says about every output: its creation (value,
 * script, height, coinbase) and its spender — the known answers lookups
 * and the HTTP API are checked against (test code: plain maps are fine).
 *
 * @module
 */

import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { hashToHex, toHex } from "../../lib/bytes/hex.ts";
import type { GenBlock } from "../../lib/gen/chain_generator.ts";

/** What the generator's chain says about every output: creation and spender. */
export function outputsOf(chain: GenBlock[]) {
  const created = new Map<
    string,
    { value: number; script: string; height: number; coinbase: boolean }
  >();
  const spentBy = new Map<string, { txid: string; vin: number; height: number }>();
  for (const b of chain.filter((b) => b.kind === "main")) {
    const L = new BlockLayout().parse(b.bytes);
    const ids = computeTxids(L);
    const dv = new DataView(b.bytes.buffer, b.bytes.byteOffset);
    for (let t = 0; t < L.txCount; t++) {
      const txid = hashToHex(ids.subarray(32 * t, 32 * t + 32));
      for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
        const s = L.outScript[o]!;
        created.set(`${txid}:${o - L.txFirstOutput[t]!}`, {
          value: L.outputValue(o),
          script: toHex(b.bytes.subarray(s, s + L.outScriptLen[o]!)),
          height: b.height,
          coinbase: t === 0,
        });
      }
      if (t === 0) continue;
      for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
        const p = L.inPrevout[i]!;
        const key = `${hashToHex(b.bytes.subarray(p, p + 32))}:${dv.getUint32(p + 32, true)}`;
        spentBy.set(key, { txid, vin: i - L.txFirstInput[t]!, height: b.height });
      }
    }
  }
  return { created, spentBy };
}
