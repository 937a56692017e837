/**
 * Starting an archive's chain index from a UTXO snapshot (Bitcoin Core's
 * `dumptxoutset` format, from Core or from `checkpoint export`, or
 * blkpipe's), the way Core's assumeutxo does: the snapshot's base block must
 * be the archive's block at that height (or, for `collect --utxo-snapshot`,
 * a block still to come); the snapshot's coins become the UTXO set
 * (streamed into sorted segments, bounded memory); blocks up to the base
 * are indexed (txids, spends) without the chain-wide rules, blocks after it
 * with them.
 *
 * @module
 */

import { ArchiveReader, type ReaderAsOf } from "../archive/archive_reader.ts";
import { ArchiveError } from "../archive/manifest.ts";
import { hashFromHex, hashToHex } from "../bytes/hex.ts";
import { newXxh64 } from "../hash/xxh64.ts";
import { emptyUtxoState } from "../segment/utxo_store.ts";
import {
  encodeUtxoEntry,
  OP_ADD,
  UTXO_ENTRY_WIDTH,
  UTXO_SORT_WIDTH,
} from "../segment/utxo_entry.ts";
import { FLAG_UTXO } from "../segment/segment_format.ts";
import { readSnapshot } from "../utxo/snapshot_reader.ts";
import { outpointKey, valueId } from "../utxo/utxo_rules.ts";
import { CHAIN_INDEX_PATHS as P, type IndexSlot } from "./chain_index_format.ts";
import { EntryBatch } from "./entry_batch.ts";
import { writeSlot } from "./index_slots.ts";
import { pathExists } from "../store/local_store.ts";

/** What an import set up (the `index` job then runs from the genesis block). */
export interface SnapshotImport {
  /** The base block's height in the archive (null: not archived yet, with `pendingBase`). */
  height: number | null;
  /** Its hash (display hex). */
  baseHash: string;
  coins: number;
}

/** Options of {@link importSnapshot}. */
export interface ImportOptions {
  /** Entries per sorted segment (default 4 M: ≈ 200 MB of memory). */
  runEntries?: number;
  /** Read the archive as of this resume record (collect's, under its writer). */
  asOf?: ReaderAsOf;
  /** Accept a base block the archive does not hold yet (collect archives it later). */
  pendingBase?: boolean;
}

/** Loads the snapshot `file` as the UTXO set of the archive in `dir` (the caller holds its lock). */
export async function importSnapshot(
  dir: string,
  file: string,
  options: ImportOptions = {},
): Promise<SnapshotImport> {
  if (pathExists(`${dir}/${P.pointer}`)) {
    throw new ArchiveError(
      `${dir} already has a chain index: remove ${dir}/index/checkpoint*.json first`,
    );
  }
  const header = readSnapshot(file); // checks the whole file before anything is written
  const asOf = options.asOf;
  const empty = asOf !== undefined && asOf.manifest.tip === null;
  const reader = empty ? null : await ArchiveReader.open(dir, asOf);
  let height: number | null = null;
  try {
    const network = asOf?.manifest.network ?? reader!.manifest.network;
    if (header.network !== network) {
      throw new ArchiveError(`${file} is a ${header.network} snapshot; ${dir} is ${network}`);
    }
    const found = reader ? await reader.findHeight(hashFromHex(header.baseHash)) : -1;
    const at = header.baseHeight;
    if (found >= 0) height = found;
    else if (reader && at !== null && at >= reader.startHeight && at <= reader.tipHeight) {
      // blkpipe's format names the height: the archive holds another block there.
      const other = hashToHex((await reader.record(at)).hash);
      throw new ArchiveError(
        `${file} is based on block ${header.baseHash} at height ${at}; the block of ${dir} at ` +
          `height ${at} is ${other} (another chain, or another network's snapshot)`,
      );
    } else if (!options.pendingBase) {
      throw new ArchiveError(
        `${file} is based on block ${header.baseHash}, which is not in ${dir} ` +
          `(its tip is height ${reader!.tipHeight}): collect up to that block first`,
      );
    }
    if (height !== null && header.baseHeight !== null && header.baseHeight !== height) {
      throw new ArchiveError(
        `${file} says its base block ${header.baseHash} is at height ${header.baseHeight}; ` +
          `${dir} has it at height ${height}`,
      );
    }
  } finally {
    reader?.close();
  }
  Deno.mkdirSync(`${dir}/${P.utxoDir}`, { recursive: true });
  const xxh = await newXxh64();
  const state = emptyUtxoState();
  const batch = new EntryBatch({
    entryWidth: UTXO_ENTRY_WIDTH,
    keyWidth: 36,
    sortWidth: UTXO_SORT_WIDTH,
  });
  const runMax = options.runEntries ?? 4_000_000;
  const key = new Uint8Array(36);
  const flush = () => {
    const name = `${String(state.nextSegment++).padStart(8, "0")}.seg`;
    batch.writeSegment(`${dir}/${P.utxoDir}/${name}`, xxh, FLAG_UTXO);
    state.segments.push(name);
  };
  readSnapshot(file, (c) => {
    outpointKey(key, 0, c.txid, 0, c.vout);
    const at = batch.reserve(1);
    encodeUtxoEntry(batch.slab, at, key, 0, c.height, OP_ADD, valueId(c.value, c.coinbase));
    batch.count++;
    if (batch.count >= runMax) flush();
  });
  if (batch.count > 0) flush();
  const slot: IndexSlot = {
    format: "blkpipe-chain-index",
    version: 1,
    height: -1,
    hash: "",
    startHeight: 0,
    nextTxnum: 0,
    txid: [],
    spend: [],
    nextSegment: 0,
    utxo: state,
    bip34Matched: false,
    checkpointEvery: 0, // set by the first index run
    rejected: null,
    assumedUtxoHash: header.baseHash,
  };
  if (height !== null) slot.assumedUtxoHeight = height;
  writeSlot(dir, "a", slot);
  return { height, baseHash: header.baseHash, coins: header.coins };
}
