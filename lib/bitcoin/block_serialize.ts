/**
 * Re-encodes a walked block from its parsed fields (header, CompactSize
 * counts and lengths, inputs, outputs, witnesses). Used to prove the walker
 * round-trips: `serializeBlock(parse(b))` must equal `b` byte for byte.
 *
 * @module
 */

import { ByteCursor } from "../bytes/cursor.ts";
import { writeCompactSize } from "../bytes/compact_size.ts";
import { type BlockLayout, TX_SEGWIT } from "./block_layout.ts";
import { HEADER_SIZE } from "./header.ts";

/** Serialized bytes of the block described by `layout`. */
export function serializeBlock(layout: BlockLayout): Uint8Array {
  const src = layout.bytes;
  const out = new Uint8Array(src.length + 16);
  let at = 0;
  const copy = (start: number, len: number) => {
    out.set(src.subarray(start, start + len), at);
    at += len;
  };
  copy(0, HEADER_SIZE);
  at = writeCompactSize(out, at, layout.txCount);
  for (let t = 0; t < layout.txCount; t++) {
    const start = layout.txStart[t]!;
    copy(start, 4);
    const segwit = (layout.txFlags[t]! & TX_SEGWIT) !== 0;
    if (segwit) {
      out[at++] = 0;
      out[at++] = 1;
    }
    const i0 = layout.txFirstInput[t]!, i1 = layout.txFirstInput[t + 1]!;
    at = writeCompactSize(out, at, i1 - i0);
    for (let i = i0; i < i1; i++) {
      copy(layout.inPrevout[i]!, 36);
      at = writeCompactSize(out, at, layout.inScriptLen[i]!);
      copy(layout.inScript[i]!, layout.inScriptLen[i]! + 4); // script + sequence
    }
    const o0 = layout.txFirstOutput[t]!, o1 = layout.txFirstOutput[t + 1]!;
    at = writeCompactSize(out, at, o1 - o0);
    for (let o = o0; o < o1; o++) {
      copy(layout.outValue[o]!, 8);
      at = writeCompactSize(out, at, layout.outScriptLen[o]!);
      copy(layout.outScript[o]!, layout.outScriptLen[o]!);
    }
    if (segwit) {
      for (let i = i0; i < i1; i++) {
        const c = new ByteCursor(src, layout.inWitness[i]!);
        const items = c.compactSize("witness.count");
        at = writeCompactSize(out, at, items);
        for (let w = 0; w < items; w++) {
          const len = c.compactSize("witness.item.length");
          at = writeCompactSize(out, at, len);
          copy(c.skip(len, "witness.item"), len);
        }
      }
    }
    copy(layout.txEnd[t]! - 4, 4);
  }
  return out.subarray(0, at);
}
