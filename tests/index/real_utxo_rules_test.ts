import { assertEquals } from "../_support/assert.ts";
import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { hashFromHex, hashToHex } from "../../lib/bytes/hex.ts";
import { blockSubsidy } from "../../lib/utxo/block_subsidy.ts";
import { outpointKey, UtxoRules, type UtxoView, valueId } from "../../lib/utxo/utxo_rules.ts";
import { REAL_DIR, realBlockBytes, realEntries, realTest } from "../_support/real_data.ts";

interface Prevout {
  txid: string;
  vout: number;
  value_sats: number;
  height: number;
  is_coinbase: boolean;
}

/** A UTXO view over the corpus' prevout JSON (what Esplora says each input spends). */
function viewOf(prevouts: Prevout[]): UtxoView & { total: number; foundHeight: number } {
  const map = new Map<string, { id: number; height: number }>();
  let total = 0;
  const k = new Uint8Array(36);
  for (const p of prevouts) {
    outpointKey(k, 0, hashFromHex(p.txid), 0, p.vout);
    map.set(k.join(","), { id: valueId(p.value_sats, p.is_coinbase), height: p.height });
    total += p.value_sats;
  }
  return {
    total,
    foundHeight: -1,
    get(key, at) {
      const hit = map.get(key.subarray(at, at + 36).join(","));
      this.foundHeight = hit?.height ?? -1;
      return hit?.id ?? -1;
    },
  };
}

function prevoutsOf(file: string): Prevout[] {
  const zst = REAL_DIR + file.replace(/\.raw$/, ".utxos.json.zst");
  const out = new Deno.Command("zstd", { args: ["-dc", zst], stdout: "piped" }).outputSync();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

realTest(
  "real mainnet blocks with Esplora's prevouts pass the chain-wide rules; coinbase +1 sat over subsidy + fees fails",
  () => {
    const entries = realEntries().filter((e) =>
      e.file.startsWith("rbtc/") && e.file.endsWith(".raw")
    )
      .filter((e) => e.height !== 227931); // the BIP34 block has no prevout file
    assertEquals(entries.length, 5);
    for (const e of entries) {
      const bytes = realBlockBytes(e);
      const L = new BlockLayout().parse(bytes);
      const ids = computeTxids(L);
      const hash = hashFromHex(e.hash);
      const view = viewOf(prevoutsOf(e.file));
      const rules = new UtxoRules(NETWORKS.mainnet, true);
      assertEquals(rules.connect(L, ids, e.height, hash, view), null, `block ${e.height}`);
      // Independent arithmetic: fees = inputs (Esplora's prevouts, plus outputs of the block
      // itself spent in it) − non-coinbase outputs.
      const own = new Map<string, number>();
      for (let t = 0; t < L.txCount; t++) {
        const first = L.txFirstOutput[t]!;
        const txid = hashToHex(ids.subarray(32 * t, 32 * t + 32));
        for (let o = first; o < L.txFirstOutput[t + 1]!; o++) {
          own.set(`${txid}:${o - first}`, L.outputValue(o));
        }
      }
      let inputs = view.total, out = 0, cb = 0;
      const dv0 = new DataView(bytes.buffer, bytes.byteOffset);
      for (let i = 1; i < L.inputCount; i++) {
        const p = L.inPrevout[i]!;
        const k = `${hashToHex(bytes.subarray(p, p + 32))}:${dv0.getUint32(p + 32, true)}`;
        inputs += own.get(k) ?? 0;
      }
      for (let o = L.txFirstOutput[1]!; o < L.outputCount; o++) out += L.outputValue(o);
      for (let o = 0; o < L.txFirstOutput[1]!; o++) cb += L.outputValue(o);
      assertEquals(rules.fees, inputs - out, `fees of block ${e.height}`);
      const allowed = blockSubsidy(e.height, 210_000) + rules.fees;
      // Claim one satoshi more than allowed: patch the coinbase's first output.
      const patched = bytes.slice();
      const at = L.outValue[0]!;
      const dv = new DataView(patched.buffer);
      dv.setBigInt64(at, dv.getBigInt64(at, true) + BigInt(allowed - cb + 1), true);
      const P = new BlockLayout().parse(patched);
      const f = new UtxoRules(NETWORKS.mainnet, true).connect(
        P,
        computeTxids(P),
        e.height,
        hash,
        view,
      );
      assertEquals(f?.code, "bad-cb-amount", `block ${e.height} (${hashToHex(hash)})`);
    }
  },
);
