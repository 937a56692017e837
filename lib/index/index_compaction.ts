/**
 * Keeps the txid and spend indexes at few segments, size-tiered: at a
 * checkpoint, a kind with more than {@link COMPACT_ABOVE} segments has its 4
 * newest (small) segments merged into one — or all of them, when those 4
 * hold half its entries — so each entry is rewritten O(log n) times. The old
 * segments stay until no slot names them.
 *
 * @module
 */

import type { Xxh64 } from "../hash/xxh64.ts";
import { CHAIN_INDEX_PATHS as P, type IndexSlot, SPEND_ENTRY } from "./chain_index_format.ts";
import { mergeSegments } from "./entry_batch.ts";
import { TXID_ENTRY } from "./txid_index_format.ts";

/** Segments of one kind before a checkpoint merges them. */
export const COMPACT_ABOVE = 8;

const KINDS = [
  { name: "txid", path: P.txid, layout: TXID_ENTRY },
  { name: "spend", path: P.spend, layout: SPEND_ENTRY },
] as const;

/** Merges the txid or spend segments of `slot` (updated in place) when there are too many. */
export function compactIfNeeded(dir: string, slot: IndexSlot, xxh: Xxh64): void {
  for (const kind of KINDS) {
    const list = slot[kind.name];
    if (list.length <= COMPACT_ABOVE) continue;
    const sizes = list.map((s) => Deno.statSync(`${dir}/${kind.path(s)}`).size);
    const newest = sizes.slice(-4).reduce((a, b) => a + b, 0);
    const total = sizes.reduce((a, b) => a + b, 0);
    const merged = 2 * newest >= total ? list : list.slice(-4);
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
