/**
 * `collect --check utxo`: the chain index beside the archive. Before the
 * run, the index catches up with what the archive already holds (the
 * `index` job, up to the archive's durable tip); during the run its
 * `connect` is the validator's chain-wide rule, so a block that breaks one
 * is rejected like any invalid block and the archive stops before it.
 * With a UTXO snapshot, the index starts from it (assumeutxo): blocks up to
 * its base — which may still be to come — are indexed without the rules.
 *
 * @module
 */

import type { NetworkParams } from "../bitcoin/network.ts";
import type { OrderedBlock } from "../chain/chain_types.ts";
import { ArchiveError } from "../archive/manifest.ts";
import { ArchiveReader, type ReaderAsOf } from "../archive/archive_reader.ts";
import { connectArchive, NotFromGenesisError } from "../index/build_index.ts";
import { ChainIndexer } from "../index/chain_indexer.ts";
import { CHAIN_INDEX_PATHS } from "../index/chain_index_format.ts";
import { readCurrentSlot } from "../index/index_slots.ts";
import { importSnapshot } from "../index/import_snapshot.ts";
import { snapshotBaseHash } from "../utxo/snapshot_reader.ts";
import { LocalStore, pathExists } from "../store/local_store.ts";
import type { Store } from "../store/store.ts";
import type { CheckFailure } from "../validate/reject.ts";

/** Index options of collect. */
export interface CollectIndexOptions {
  /** Memory budget of the index (default 1 GiB). */
  memBytes?: number | undefined;
  /** Transactions + inputs between index checkpoints (default from the budget). */
  checkpointEvery?: number | undefined;
  /** Start the index from this UTXO snapshot (Core's or blkpipe's format). */
  utxoSnapshot?: string | undefined;
  /** Let checkpoints write their spend segment on a thread (as collect's workers run; same files). */
  writeThread?: boolean | undefined;
}

/** The open index and the rule hook for the validator. */
export interface CollectIndex {
  indexer: ChainIndexer;
  rules: (block: OrderedBlock) => CheckFailure | null;
}

/** Brings the index up to the durable tip of the archive (`asOf`: its resume record) and opens it for the run. */
export async function openCollectIndex(
  store: Store,
  network: NetworkParams,
  startHeight: number,
  asOf: ReaderAsOf,
  o: CollectIndexOptions,
): Promise<CollectIndex> {
  if (!(store instanceof LocalStore)) {
    throw new ArchiveError("--check utxo keeps its index in a local archive directory");
  }
  const dir = store.root;
  if (startHeight !== 0) throw new NotFromGenesisError(dir, startHeight);
  const tip = asOf.manifest.tip?.height ?? -1;
  if (o.utxoSnapshot) await startFromSnapshot(dir, o.utxoSnapshot, asOf);
  const indexer = await ChainIndexer.open(dir, {
    network,
    startHeight: 0,
    archiveHeight: tip,
    memBytes: o.memBytes,
    checkpointEvery: o.checkpointEvery,
  });
  try {
    if (o.writeThread) await indexer.startWriteThread();
    // No checkpoint here: checkpoints stay at the heights an uninterrupted run would choose.
    let x = indexer.rejected;
    if (!x && tip > indexer.height) {
      // Its own handles (closing it leaves the writer's), as of the resume record: manifest.json
      // may lag behind it after a kill.
      const reader = await ArchiveReader.open(dir, asOf);
      x = await connectArchive(indexer, reader, tip).finally(() => reader.close());
    }
    if (x) {
      throw new ArchiveError(
        `${dir} holds block ${x.hash} at height ${x.height}, which breaks a chain-wide rule ` +
          `(${x.code}: ${x.detail}); it was collected at a lighter --check level`,
      );
    }
  } catch (e) {
    indexer.close();
    throw e;
  }
  return {
    indexer,
    // Blocks at or below the index's height were connected before (re-read for context).
    rules: (b) => b.height <= indexer.height ? null : indexer.connect(b.bytes, b.height, b.hash),
  };
}

/** Imports the snapshot unless the index already started from it (a resumed run). */
async function startFromSnapshot(dir: string, file: string, asOf: ReaderAsOf): Promise<void> {
  if (!pathExists(`${dir}/${CHAIN_INDEX_PATHS.pointer}`)) {
    await importSnapshot(dir, file, { asOf, pendingBase: true });
    return;
  }
  const from = readCurrentSlot(dir).assumedUtxoHash;
  if (from !== snapshotBaseHash(file)) {
    throw new ArchiveError(
      `${dir} already has a chain index (${
        from ? `started from a snapshot based at ${from}` : "built from the genesis block"
      }); --utxo-snapshot ${file} cannot replace it: remove ${dir}/index/checkpoint*.json to start again from the snapshot`,
    );
  }
}
