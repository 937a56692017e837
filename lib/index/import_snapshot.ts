/**
 * Starting an archive's chain index from a UTXO snapshot (Bitcoin Core's
 * `dumptxoutset` format, from Core or from `checkpoint export`), the way
 * Core's assumeutxo does: the snapshot's base block must be the archive's
 * block at that height; the snapshot's coins become the UTXO set (streamed
 * into sorted segments, bounded memory); blocks up to the base are indexed
 * (txids, spends) without the chain-wide rules, blocks after it with them.
 *
 * @module
 */

import { ArchiveReader } from "../archive/archive_reader.ts";
import { ArchiveError } from "../archive/manifest.ts";
import { hashFromHex } from "../bytes/hex.ts";
import { newXxh64 } from "../hash/xxh64.ts";
import { emptyUtxoState } from "../segment/utxo_store.ts";
import {
  encodeUtxoEntry,
  OP_ADD,
  UTXO_ENTRY_WIDTH,
  UTXO_SORT_WIDTH,
} from "../segment/utxo_entry.ts";
import { FLAG_UTXO } from "../segment/segment_format.ts";
import { readSnapshot } from "../utxo/core_snapshot.ts";
import { outpointKey, valueId } from "../utxo/utxo_rules.ts";
import { CHAIN_INDEX_PATHS as P, type IndexSlot } from "./chain_index_format.ts";
import { EntryBatch } from "./entry_batch.ts";
import { writeSlot } from "./index_slots.ts";

/** What an import set up (the `index` job then runs from the genesis block). */
export interface SnapshotImport {
  /** The base block's height in the archive. */
  height: number;
  coins: number;
}

/** Loads the snapshot `file` as the UTXO set of the archive in `dir` (the caller holds its lock). */
export async function importSnapshot(
  dir: string,
  file: string,
  options: { runEntries?: number } = {},
): Promise<SnapshotImport> {
  try {
    Deno.statSync(`${dir}/${P.pointer}`);
    throw new ArchiveError(
      `${dir} already has a chain index: remove ${dir}/index/checkpoint*.json first`,
    );
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const header = readSnapshot(file); // checks the whole file before anything is written
  const reader = await ArchiveReader.open(dir);
  let height: number;
  try {
    if (header.network !== reader.manifest.network) {
      throw new ArchiveError(
        `${file} is a ${header.network} snapshot; ${dir} is ${reader.manifest.network}`,
      );
    }
    height = await reader.findHeight(hashFromHex(header.baseHash));
    if (height < 0) {
      throw new ArchiveError(
        `${file} is based on block ${header.baseHash}, which is not in ${dir} ` +
          `(its tip is height ${reader.tipHeight}): collect up to that block first`,
      );
    }
  } finally {
    reader.close();
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
    assumedUtxoHeight: height,
  };
  writeSlot(dir, "a", slot);
  return { height, coins: header.coins };
}
