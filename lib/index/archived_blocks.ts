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
import { precheckWindow } from "../validate/precheck_stream.ts";

/** One block of the archive. */
export interface ArchivedBlock {
  height: number;
  /** The block (a copy the caller owns when prechecked on the pool). */
  bytes: Uint8Array;
  /** Its precheck at `full`, when a pool ran it. */
  pre?: BlockPrecheck;
}

/**
 * Yields heights `from..to` of `reader`, prechecked on `pool` when given (read ahead within the
 * precheck stage's window). Stopping early (break) leaves the prechecks in flight to finish on
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
  const window = precheckWindow<ArchivedBlock>(pool);
  let next = from;
  while (next <= to || window.length > 0) {
    while (next <= to && !window.over) {
      const height = next++;
      const block = await reader.readBlock(height);
      const done = pool.precheck(block, "full").then((r) => ({
        height,
        bytes: r.bytes,
        pre: r.pre,
      }));
      window.push(done, block.length);
    }
    yield await window.take();
  }
}
