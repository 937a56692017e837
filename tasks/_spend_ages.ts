/**
 * How old the outputs are that real mainnet blocks spend, from the corpus'
 * prevout JSON (../shared/data/real/rbtc: Esplora's prevouts of five
 * soft-fork activation blocks, heights 388,381 … 709,632, ≈23 k inputs): the
 * age of each spent output in blocks (the block's height minus the output's),
 * sorted. utxo_scale draws its `mainnet` lookups from it.
 *
 * @module
 */

import { zstdDecompressSync } from "node:zlib";

/**
 * The corpus directory (../shared/data/real beside the repository); tests/_support/real_data.ts
 * has the same, but reads the environment on import, which utxo_scale is not given.
 */
export const REAL_DIR: string = new URL("../../shared/data/real/", import.meta.url).pathname;

/** The ages (in blocks, ≥ 1) of the outputs the corpus' prevout files list, sorted ascending. */
export function mainnetSpendAges(): Int32Array {
  const ages: number[] = [];
  const entries = Deno.readTextFileSync(REAL_DIR + "index.jsonl").trim().split("\n")
    .map((line) => JSON.parse(line) as { file: string; net: string; height: number });
  for (const e of entries) {
    if (e.net !== "mainnet" || !e.file.startsWith("rbtc/") || !e.file.endsWith(".raw")) continue;
    const path = REAL_DIR + e.file.replace(/\.raw$/, ".utxos.json.zst");
    let json: Uint8Array;
    try {
      json = zstdDecompressSync(Deno.readFileSync(path));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // a block without a prevout file
      throw err;
    }
    const prevouts = JSON.parse(new TextDecoder().decode(json)) as { height: number }[];
    for (const p of prevouts) ages.push(e.height - p.height);
  }
  if (ages.length === 0) throw new Error(`no prevout JSON under ${REAL_DIR}rbtc`);
  return Int32Array.from(ages).sort();
}

/** The share of `ages` (sorted) at most `limit` blocks old. */
export function shareAtMost(ages: Int32Array, limit: number): number {
  let lo = 0, hi = ages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ages[mid]! <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo / ages.length;
}
