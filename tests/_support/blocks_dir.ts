/**
 * Helpers that build blocks directories in a temp folder and run the
 * reader + orderer over them.
 *
 * @module
 */

import { blkFileName } from "../../lib/source/blk_files.ts";
import { type BlockSkip, readBlockRecords } from "../../lib/source/block_records.ts";
import { BlkPositionedReader } from "../../lib/source/blk_positioned_reader.ts";
import { ChainOrderer } from "../../lib/chain/chain_orderer.ts";
import type { ChainReport, OrderedBlock } from "../../lib/chain/chain_types.ts";
import { orderBlocks } from "../../lib/chain/order_blocks.ts";
import type { NetworkParams } from "../../lib/bitcoin/network.ts";
import { applyXor } from "../../lib/source/xor.ts";

/** A blk record: magic, length, block. */
export function blkRecord(magic: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + block.length);
  out.set(magic);
  new DataView(out.buffer).setUint32(4, block.length, true);
  out.set(block, 8);
  return out;
}

export { concatBytes } from "../../lib/bytes/concat.ts";

/** Writes `files[i]` as blk0000i.dat (XORed with `key` when given) into a new temp dir. */
export function makeBlocksDir(files: Uint8Array[], key?: Uint8Array): string {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-test-" });
  files.forEach((bytes, i) => {
    const b = bytes.slice();
    if (key) {
      applyXor(b, key, 0);
      Deno.writeFileSync(`${dir}/xor.dat`, key);
    }
    Deno.writeFileSync(`${dir}/${blkFileName(i)}`, b);
  });
  return dir;
}

/** Everything a read + order run produced. */
export interface OrderRun {
  blocks: OrderedBlock[];
  skips: BlockSkip[];
  reports: ChainReport[];
  network: NetworkParams | undefined;
}

/** Reads and orders `dir` fully. */
export async function readAndOrder(
  dir: string,
  network: NetworkParams,
  options: { key?: Uint8Array; depth?: number; bufferSize?: number } = {},
): Promise<OrderRun> {
  const skips: BlockSkip[] = [];
  const reports: ChainReport[] = [];
  let detected: NetworkParams | undefined;
  const reader = new BlkPositionedReader(dir, options.key);
  const orderer = new ChainOrderer({
    network,
    depth: options.depth ?? 6,
    fetch: (f, o) => reader.readBlock(f, o),
    onReport: (r) => reports.push(r),
    cacheBytes: 1 << 20,
  });
  const blocks: OrderedBlock[] = [];
  const readOpts: Parameters<typeof readBlockRecords>[1] = {
    network,
    onSkip: (s) => skips.push(s),
    onNetwork: (n) => detected = n,
  };
  if (options.key) readOpts.xorKey = options.key;
  if (options.bufferSize) readOpts.bufferSize = options.bufferSize;
  try {
    for await (const b of readBlockRecords(dir, readOpts).pipeThrough(orderBlocks(orderer))) {
      blocks.push(b);
    }
  } finally {
    reader.close();
  }
  return { blocks, skips, reports, network: detected };
}
