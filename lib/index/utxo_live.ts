/**
 * The live coins of a chain index's UTXO set: its segments merged in key
 * order (txid, then vout — Core's coin order) and each key's events
 * resolved. Memory: a chunk of entries per segment.
 *
 * @module
 */

import { compareBytes, copyBytes } from "../segment/compare.ts";
import { MergeCursor } from "../segment/memory_run.ts";
import type { Segment } from "../segment/segment.ts";
import {
  lastResolvedHeight,
  resolveUtxo,
  UTXO_ENTRY_WIDTH,
  UTXO_KEY_WIDTH,
  UTXO_SORT_WIDTH,
} from "../segment/utxo_entry.ts";
import { segmentSource } from "../segment/utxo_merge.ts";

const W = UTXO_ENTRY_WIDTH;

/**
 * Calls `onCoin(key, height, valueId)` for each output unspent at `height`
 * (`key`: txid ‖ vout BE in its first 36 bytes, valid during the call), in key order.
 */
export function forEachLiveCoin(
  segments: Segment[],
  height: number,
  onCoin: (key: Uint8Array, created: number, valueId: number) => void,
): void {
  let events = new Uint8Array(W * 8);
  let n = 0;
  const flushKey = () => {
    const id = resolveUtxo(events, 0, n, 0, height + 1);
    if (id >= 0) onCoin(events, lastResolvedHeight(), id);
    n = 0;
  };
  const c = new MergeCursor(segments.map((s) => segmentSource(s)), W, UTXO_SORT_WIDTH);
  while (c.next()) {
    if (n > 0 && compareBytes(events, 0, c.bytes, c.at, UTXO_KEY_WIDTH) !== 0) flushKey();
    if ((n + 1) * W > events.length) {
      const grown = new Uint8Array(events.length * 2);
      grown.set(events);
      events = grown;
    }
    copyBytes(events, n++ * W, c.bytes, c.at, W);
  }
  if (n > 0) flushKey();
}
