/**
 * The archive's blocks in height order for the `index` job, with the
 * costly, height-independent half of the per-block checks
 * (`BlockChecker.precheck`) already run on a pool of validation workers:
 * blocks are read and sent ahead (a bounded window), so the main thread
 * spends its time on the chain-wide rules while the workers check the next
 * blocks. Without a pool, blocks come unchecked (`pre` undefined) and the
 * caller checks them whole.
 *
 * @module
 */

import type { ArchiveReader } from "../archive/archive_reader.ts";
import type { BlockPrecheck } from "../validate/check_block.ts";
import type { CheckPool } from "../validate/check_pool.ts";

/** One block of the archive. */
export interface ArchivedBlock {
  height: number;
  /** The block (a copy the caller owns when prechecked on the pool). */
  bytes: Uint8Array;
  /** Its precheck at `full`, when a pool ran it. */
  pre?: BlockPrecheck;
}

/** Window of blocks read ahead: at most this many, and at most {@link AHEAD_BYTES} bytes. */
const AHEAD_BLOCKS = 32, AHEAD_BYTES = 64 << 20;

/**
 * Yields heights `from..to` of `reader`, prechecked on `pool` when given. Stopping early (break)
 * leaves the prechecks in flight to finish on their own; their results are dropped.
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
  const window: Array<{ size: number; done: Promise<ArchivedBlock> }> = [];
  let next = from, bytes = 0;
  try {
    for (let h = from; h <= to; h++) {
      while (next <= to && (next <= h || (window.length < AHEAD_BLOCKS && bytes < AHEAD_BYTES))) {
        const height = next++;
        const block = await reader.readBlock(height);
        const done = pool.precheck(block, "full").then((r) => ({
          height,
          bytes: r.bytes,
          pre: r.pre,
        }));
        done.catch(() => {}); // awaited in order below; a failure surfaces there
        window.push({ size: block.length, done });
        bytes += block.length;
      }
      const head = window.shift()!;
      bytes -= head.size;
      yield await head.done;
    }
  } finally {
    window.length = 0;
  }
}
