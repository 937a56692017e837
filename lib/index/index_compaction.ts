/**
 * Keeps the txid and spend indexes at few segments: at a checkpoint, a kind
 * with more than {@link COMPACT_ABOVE} segments is merged into one new
 * segment (the old ones stay until no slot names them).
 *
 * @module
 */

import type { Xxh64 } from "../hash/xxh64.ts";
import { CHAIN_INDEX_PATHS as P, type IndexSlot, SPEND_ENTRY } from "./chain_index_format.ts";
import { mergeSegments } from "./entry_batch.ts";
import { TXID_ENTRY } from "./txid_index_format.ts";

/** Segments of one kind before a checkpoint merges them. */
export const COMPACT_ABOVE = 8;

/** Merges the txid or spend segments of `slot` (updated in place) when there are too many. */
export function compactIfNeeded(dir: string, slot: IndexSlot, xxh: Xxh64): void {
  if (slot.txid.length > COMPACT_ABOVE) {
    const n = slot.nextSegment++;
    mergeSegments(
      slot.txid.map((s) => `${dir}/${P.txid(s)}`),
      TXID_ENTRY,
      `${dir}/${P.txid(n)}`,
      xxh,
    );
    slot.txid = [n];
  }
  if (slot.spend.length > COMPACT_ABOVE) {
    const n = slot.nextSegment++;
    mergeSegments(
      slot.spend.map((s) => `${dir}/${P.spend(s)}`),
      SPEND_ENTRY,
      `${dir}/${P.spend(n)}`,
      xxh,
    );
    slot.spend = [n];
  }
}
