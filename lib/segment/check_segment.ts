/**
 * Full consistency check of one segment (`segment check`): reports every
 * problem found — footer checksum (via open), entry order, the entries'
 * XXH64, every key present in the bloom filter, the directory's first keys,
 * UTXO height bounds.
 *
 * @module
 */

import { newXxh64 } from "../hash/xxh64.ts";
import { compareBytes, copyBytes } from "./compare.ts";
import { Segment } from "./segment.ts";
import { FLAG_UTXO } from "./segment_format.ts";
import { utxoHeight } from "./utxo_entry.ts";

/** Result of {@link checkSegment}. */
export interface SegmentCheck {
  /** Every problem found. */
  problems: string[];
  /** Entries scanned. */
  entries: number;
}

/** Checks the segment at `path` completely (reads every entry). */
export async function checkSegment(path: string): Promise<SegmentCheck> {
  const problems: string[] = [];
  let seg: Segment;
  try {
    seg = await Segment.open(path);
  } catch (e) {
    return { problems: [(e as Error).message], entries: 0 };
  }
  try {
    const { keyWidth: kw, sortWidth: sw, entryWidth: w, flags } = seg.header;
    const B = seg.footer.bucketEntries;
    const xxh = await newXxh64();
    xxh.init();
    const prev = new Uint8Array(sw);
    let index = 0, minH = Infinity, maxH = -1;
    for (const { bytes, count } of seg.scan()) {
      xxh.update(bytes);
      for (let i = 0; i < count; i++, index++) {
        const at = i * w;
        if (index > 0 && compareBytes(bytes, at, prev, 0, sw) <= 0) {
          problems.push(`${path}: entry ${index} is out of order`);
        }
        copyBytes(prev, 0, bytes, at, sw);
        if (!seg.bloom!.mayContain(bytes, at, kw)) {
          problems.push(`${path}: entry ${index} missing from the bloom filter`);
        }
        if (index % B === 0 && compareBytes(seg.directory, (index / B) * kw, bytes, at, kw) !== 0) {
          problems.push(`${path}: directory bucket ${index / B} does not start at entry ${index}`);
        }
        if (flags & FLAG_UTXO) {
          const h = utxoHeight(bytes, at);
          minH = Math.min(minH, h);
          maxH = Math.max(maxH, h);
        }
      }
    }
    const sum = BigInt("0x" + xxh.digest("hex"));
    if (sum !== seg.footer.entriesXxh64) {
      problems.push(
        `${path}: entries checksum ${sum.toString(16)} ≠ footer ${
          seg.footer.entriesXxh64.toString(16)
        }`,
      );
    }
    if (index !== seg.count) {
      problems.push(`${path}: ${index} entries scanned, header says ${seg.count}`);
    }
    if (
      (flags & FLAG_UTXO) && index > 0 &&
      (minH !== seg.header.minHeight || maxH !== seg.header.maxHeight)
    ) {
      problems.push(
        `${path}: heights ${minH}..${maxH}, header says ${seg.header.minHeight}..${seg.header.maxHeight}`,
      );
    }
    return { problems, entries: index };
  } finally {
    seg.close();
  }
}
