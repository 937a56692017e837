/**
 * The archive's blocks in height order for the `index` job, with the
 * costly, height-independent half of the per-block checks
 * (`BlockChecker.precheck`) already run on a pool of validation workers:
 * frames are read and sent ahead (a bounded window), decompressed and
 * checked there, so the main thread spends its time on the chain-wide rules
 * while the workers prepare the next blocks. Without a pool, blocks come
 * unchecked (`pre` undefined) and the caller checks them whole.
 *
 * @module
 */

import type { ArchiveReader } from "../archive/archive_reader.ts";
import type { IndexRecord } from "../archive/height_index.ts";
import { RECORD_HEADER_SIZE } from "../bitcoin/blk_record.ts";
import { LocalStore } from "../store/local_store.ts";
import type { BlockPrecheck } from "../validate/check_block.ts";
import type { CheckPool } from "../validate/check_pool.ts";
import { precheckWindow } from "../validate/precheck_stream.ts";

/** One block of the archive. */
export interface ArchivedBlock {
  height: number;
  /** The block (with a pool: a view of its decompressed frame, which nothing else holds). */
  bytes: Uint8Array;
  /** Its precheck at `full`, when a pool ran it. */
  pre?: BlockPrecheck;
}

/**
 * Yields heights `from..to` of `reader`, prechecked on `pool` when given. With a pool, work goes
 * out a frame at a time, read ahead within the precheck stage's window: the main thread reads the
 * frame as stored and a worker decompresses it and prechecks its blocks, which come back as views
 * of the decompressed frame. Stopping early (break) leaves the frames in flight to finish on
 * their own; their results are dropped.
 */
export async function* archivedBlocks(
  reader: ArchiveReader,
  from: number,
  to: number,
  pool: CheckPool | null,
): AsyncGenerator<ArchivedBlock> {
  if (!pool) {
    for (let h = from; h <= to; h++) yield { height: h, bytes: await reader.readBlock(h) };
    return;
  }
  const window = precheckWindow<ArchivedBlock[]>(pool);
  const records = new RecordBatches(reader, to);
  let next = from;
  while (next <= to || window.length > 0) {
    while (next <= to && !window.over) {
      const first = await records.at(next);
      const frame = [first];
      while (next + frame.length <= to) {
        const r = await records.at(next + frame.length);
        if (r.chunk !== first.chunk || r.frame !== first.frame) break;
        frame.push(r);
      }
      window.push(checkedFrame(reader, pool, next, frame), frame.reduce((n, r) => n + r.size, 0));
      next += frame.length;
    }
    for (const b of await window.take()) yield b;
  }
}

/** Index records read 4,096 at a time. */
class RecordBatches {
  private from = 0;
  private batch: IndexRecord[] = [];
  constructor(private readonly reader: ArchiveReader, private readonly to: number) {}
  async at(height: number): Promise<IndexRecord> {
    if (height < this.from || height >= this.from + this.batch.length) {
      this.from = height;
      this.batch = await this.reader.records(height, Math.min(4096, this.to - height + 1));
    }
    return this.batch[height - this.from]!;
  }
}

/** The blocks of one frame (heights from `start`, records `recs`), prechecked on the pool. */
async function checkedFrame(
  reader: ArchiveReader,
  pool: CheckPool,
  start: number,
  recs: IndexRecord[],
): Promise<ArchivedBlock[]> {
  const ranges = new Uint32Array(recs.length * 2);
  recs.forEach((r, i) => {
    ranges[2 * i] = r.offset + RECORD_HEADER_SIZE;
    ranges[2 * i + 1] = r.size;
  });
  // A local chunk is read by the worker itself (the pool inherits this process's read access).
  const s = await reader.frameSource(recs[0]!.chunk, recs[0]!.frame);
  const source = s.store instanceof LocalStore
    ? { path: s.store.describe(s.file), offset: s.offset, length: s.length }
    : await s.store.readAt(s.file, s.offset, s.length);
  const checked = await pool.precheckFrame(source, ranges, "full").catch(() => null);
  const fits = checked !== null &&
    recs.every((_, i) => ranges[2 * i]! + ranges[2 * i + 1]! <= checked.raw.length);
  if (!fits) {
    // A frame the worker could not decompress, or a record past its end: read it here, where
    // damage gets its precise error, and leave the blocks to be checked whole.
    const out: ArchivedBlock[] = [];
    for (let i = 0; i < recs.length; i++) {
      out.push({ height: start + i, bytes: await reader.readBlock(start + i) });
    }
    return out;
  }
  return recs.map((_, i) => ({
    height: start + i,
    bytes: checked!.raw.subarray(ranges[2 * i]!, ranges[2 * i]! + ranges[2 * i + 1]!),
    pre: checked!.pres[i]!,
  }));
}
