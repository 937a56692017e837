/**
 * The live coins of a chain index's UTXO set: its segments merged in key
 * order (txid, then vout — Core's coin order) and each key's events
 * resolved. Memory: a chunk of entries per segment.
 *
 * @module
 */

import type { Segment } from "../segment/segment.ts";
import { lastResolvedHeight, resolveUtxo } from "../segment/utxo_entry.ts";
import { forEachKey, segmentSource } from "../segment/utxo_merge.ts";

/**
 * Calls `onCoin(key, height, valueId)` for each output unspent at `height`
 * (`key`: txid ‖ vout BE in its first 36 bytes, valid during the call), in key order.
 */
export function forEachLiveCoin(
  segments: Segment[],
  height: number,
  onCoin: (key: Uint8Array, created: number, valueId: number) => void,
): void {
  forEachKey(segments.map((s) => segmentSource(s)), (events, n) => {
    const id = resolveUtxo(events, 0, n, 0, height + 1);
    if (id >= 0) onCoin(events, lastResolvedHeight(), id);
  });
}
