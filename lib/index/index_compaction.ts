/**
 * Keeps the txid and spend indexes at few segments with the size-tiered
 * policy of `tieredMerge` (by file size). The old segments stay until no
 * slot names them.
 *
 * @module
 */

import type { Xxh64 } from "../hash/xxh64.ts";
import { CHAIN_INDEX_PATHS as P, type IndexSlot, SPEND_ENTRY } from "./chain_index_format.ts";
import { mergeSegments } from "./entry_batch.ts";
import { TXID_ENTRY } from "./txid_index_format.ts";
import { tieredMerge } from "../segment/tiered_merge.ts";

const KINDS = [
  { name: "txid", path: P.txid, layout: TXID_ENTRY },
  { name: "spend", path: P.spend, layout: SPEND_ENTRY },
] as const;

/** Merges the txid or spend segments of `slot` (updated in place) when there are too many. */
export function compactIfNeeded(dir: string, slot: IndexSlot, xxh: Xxh64): void {
  for (const kind of KINDS) {
    const list = slot[kind.name];
    const k = tieredMerge(list.map((s) => Deno.statSync(`${dir}/${kind.path(s)}`).size));
    if (k === 0) continue;
    const merged = list.slice(-k);
    const n = slot.nextSegment++;
    mergeSegments(
      merged.map((s) => `${dir}/${kind.path(s)}`),
      kind.layout,
      `${dir}/${kind.path(n)}`,
      xxh,
    );
    slot[kind.name] = [...list.slice(0, list.length - merged.length), n];
  }
}
