/**
 * The `index` job: runs the chain-wide rules over an archive's blocks and
 * builds (or extends) its txid, spend and UTXO indexes, from the height its
 * last checkpoint reached to the archive's tip. Blocks are re-checked with
 * the per-block consensus rules first (the archive may have been collected
 * at a lighter level). The first invalid block stops the index before it;
 * the rejection is kept in the checkpoint and reported again by later runs.
 *
 * @module
 */

import { blockHash } from "../bitcoin/header.ts";
import { networkByName } from "../bitcoin/network.ts";
import { hashToHex } from "../bytes/hex.ts";
import { ArchiveReader } from "../archive/archive_reader.ts";
import { pathExists } from "../store/local_store.ts";
import { openStore } from "../store/open_store.ts";
import { BlockChecker } from "../validate/check_block.ts";
import {
  type CheckPool,
  startValidationPool,
  type ValidationPool,
} from "../validate/check_pool.ts";
import type { BlockRejection } from "../validate/reject.ts";
import { ChainIndexer } from "./chain_indexer.ts";
import { CHAIN_INDEX_PATHS } from "./chain_index_format.ts";
import { assertIndexOfArchive, readCurrentSlot } from "./index_slots.ts";
import { archivedBlocks } from "./archived_blocks.ts";

/** What an index run did. */
export interface IndexBuild {
  /** Heights connected this run (from > to: nothing new). */
  from: number;
  to: number;
  /** Transactions and inputs connected this run. */
  txs: number;
  inputs: number;
  /** Transactions in the index. */
  totalTxs: number;
  /** Bytes of the index files (txid, spend, UTXO segments and txnum.idx). */
  indexBytes: number;
  /** The first block that broke a rule (the index ends before it), or null. */
  rejected: BlockRejection | null;
  /** Started from a snapshot whose base block the archive does not hold yet: its hash, else null. */
  snapshotBasePending: string | null;
  /** Workers that ran the per-block checks (0: the calling thread). */
  validationWorkers: number;
  /** Why no worker ran them although some were asked for (one line), else null. */
  validationNote: string | null;
  /** Checkpoints wrote their spend segment on a thread of their own (else on the calling one). */
  segmentThread: boolean;
}

/** Options of {@link buildChainIndex}. */
export interface BuildIndexOptions {
  /** Memory budget in bytes (default 1 GiB). */
  memBytes?: number | undefined;
  /** Transactions + inputs between checkpoints (default from the budget). */
  checkpointEvery?: number | undefined;
  /** Called after each block (progress). */
  onBlock?: ((height: number, tip: number) => void) | undefined;
  /** Last height to connect (default: the archive's tip). */
  toHeight?: number | undefined;
  /** Stops at the next block boundary (a checkpoint is still written). */
  signal?: AbortSignal | undefined;
  /** Keep the index here (a local directory) instead of in the archive's directory. */
  indexDir?: string | undefined;
  /**
   * Workers for the per-block checks, run ahead of the chain-wide rules (default 1; 0: on the
   * calling thread). Without read access to blkpipe's `lib/` they start from the modules' text;
   * should they not start, the checks run on the calling thread and
   * {@link IndexBuild.validationNote} says why.
   */
  validationWorkers?: number | undefined;
}

/** The archive doesn't start at genesis: the UTXO set before its first block is unknown. */
export class NotFromGenesisError extends Error {
  constructor(dir: string, start: number) {
    super(
      `${dir} starts at height ${start}: the chain-wide rules need every block from genesis ` +
        "(collect from height 0)",
    );
    this.name = "NotFromGenesisError";
  }
}

/** Size of the files under `index/`. */
export function indexBytes(dir: string): number {
  let n = 0;
  for (const sub of ["index", "index/utxo"]) {
    for (const e of Deno.readDirSync(`${dir}/${sub}`)) {
      if (e.isFile && !e.name.endsWith(".json")) n += Deno.statSync(`${dir}/${sub}/${e.name}`).size;
    }
  }
  return n;
}

/**
 * Connects the archive's blocks after the indexer's height up to `tip`
 * (per-block rules, then the chain-wide ones); returns the first rejection
 * (also recorded in a checkpoint), or null. No checkpoint is forced at the
 * end: the caller decides.
 */
export async function connectArchive(
  indexer: ChainIndexer,
  reader: ArchiveReader,
  tip: number,
  options: Pick<BuildIndexOptions, "signal" | "onBlock"> & { pool?: CheckPool | null } = {},
): Promise<BlockRejection | null> {
  if (indexer.rejected) return indexer.rejected;
  const checker = new BlockChecker(indexer.network);
  const blocks = archivedBlocks(reader, indexer.height + 1, tip, options.pool ?? null);
  for await (const { height: h, bytes: block, pre } of blocks) {
    // Reads resolve without a turn of the event loop: give one now and then, so that a signal
    // (Ctrl-C) is delivered and the run stops at a block boundary with a checkpoint.
    if (h % 32 === 0) await new Promise((r) => setTimeout(r, 0));
    if (options.signal?.aborted) break;
    const hash = blockHash(block);
    const failure = (pre
      ? checker.conclude(pre, block, hash, h, "full")
      : checker.check(block, hash, h, "full")) ?? indexer.connect(block, h, hash, pre?.txids);
    if (failure) {
      const rejected = { ...failure, hash: hashToHex(hash), height: h, file: -1, offset: -1 };
      indexer.checkpoint(rejected);
      return rejected;
    }
    options.onBlock?.(h, tip);
  }
  return null;
}

/**
 * Builds or extends the chain index of the archive at `archive` (the caller holds the writer lock
 * of where the index goes): in the archive's directory, or in `options.indexDir` (a local
 * directory; the archive may then be in object storage).
 */
export async function buildChainIndex(
  archive: string,
  options: BuildIndexOptions = {},
): Promise<IndexBuild> {
  const dir = options.indexDir ?? archive;
  // A whole-archive pass: its reads leave the chunks' access times (the last user read) alone.
  const reader = await ArchiveReader.open(openStore(archive, { scan: true }));
  let indexer: ChainIndexer | undefined;
  let validation: ValidationPool | undefined;
  try {
    if (reader.startHeight !== 0) throw new NotFromGenesisError(archive, reader.startHeight);
    if (options.indexDir !== undefined && pathExists(`${dir}/${CHAIN_INDEX_PATHS.pointer}`)) {
      await assertIndexOfArchive(readCurrentSlot(dir), reader, dir, archive);
    }
    const network = networkByName(reader.manifest.network);
    const tip = Math.min(reader.tipHeight, options.toHeight ?? Number.POSITIVE_INFINITY);
    indexer = await ChainIndexer.open(dir, {
      network,
      startHeight: 0,
      archiveHeight: tip,
      memBytes: options.memBytes,
      checkpointEvery: options.checkpointEvery,
    });
    const from = indexer.height + 1, firstTx = indexer.txCount;
    // (No worker to start when there is nothing new to connect.)
    validation = startValidationPool(network, from <= tip ? options.validationWorkers ?? 1 : 0);
    // Checkpoints write their spend segment on a thread of its own (same files) when workers run.
    const segmentThread = validation.pool !== null && await indexer.startWriteThread();
    const rejected = await connectArchive(indexer, reader, tip, {
      ...options,
      pool: validation.pool,
    });
    indexer.checkpoint();
    return {
      from,
      to: indexer.height,
      txs: indexer.txCount - firstTx,
      inputs: indexer.inputsConnected,
      totalTxs: indexer.txCount,
      indexBytes: indexBytes(dir),
      rejected,
      snapshotBasePending: indexer.pendingSnapshotBase,
      validationWorkers: validation.pool?.size ?? 0,
      validationNote: validation.note,
      segmentThread,
    };
  } finally {
    validation?.pool?.close();
    indexer?.close();
    reader.close();
  }
}
