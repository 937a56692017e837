/**
 * The chain indexer: blocks in height order in, the chain-wide rules
 * checked against the UTXO set, and the txid and spend indexes and the UTXO
 * set kept in step — all in typed-array slabs, checkpointed into the A/B
 * slots of `chain_index_format.ts` every `checkpointEvery` transactions +
 * inputs (a deterministic rule: a run resumed after kill -9 writes the same
 * files as an uninterrupted one).
 *
 * Synchronous after {@link ChainIndexer.open}, so that collect can run it
 * inside its ordering step.
 *
 * @module
 */

import { BlockLayout } from "../bitcoin/block_layout.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import { computeTxids } from "../bitcoin/txid.ts";
import { hashToHex } from "../bytes/hex.ts";
import { newXxh64, type Xxh64 } from "../hash/xxh64.ts";
import { emptyUtxoState, UtxoStore } from "../segment/utxo_store.ts";
import { type LocalAppendFile, LocalStore } from "../store/local_store.ts";
import type { CheckFailure } from "../validate/reject.ts";
import { UtxoRules } from "../utxo/utxo_rules.ts";
import { bip30LooksUp, BIP34_HASH } from "../utxo/block_subsidy.ts";
import { UtxoCache } from "../utxo/utxo_cache.ts";
import { warmBlock } from "../utxo/cache_warm.ts";
import {
  CHAIN_INDEX_PATHS as P,
  encodeSpendEntry,
  type IndexSlot,
  SPEND_ENTRY,
} from "./chain_index_format.ts";
import { EntryBatch } from "./entry_batch.ts";
import { loadSlot, removeUnnamed, writeSlot } from "./index_slots.ts";
import {
  encodeTxidEntry,
  encodeTxnumHeader,
  TXID_ENTRY,
  TXNUM_HEADER_SIZE,
  TXNUM_RECORD_SIZE,
} from "./txid_index_format.ts";
import { compactIfNeeded } from "./index_compaction.ts";
import { SegmentWriteThread } from "./segment_write_thread.ts";
import { chainIndexMem, DEFAULT_PROCESS_MEM } from "./index_memory.ts";

/** Options of {@link ChainIndexer.open}. */
export interface ChainIndexerOptions {
  network: NetworkParams;
  /** The archive's start height (its first block). */
  startHeight: number;
  /** The archive's tip: a slot above it (the archive lost blocks it covered) is not used. */
  archiveHeight: number;
  /**
   * The chain index's memory budget in bytes (default {@link DEFAULT_INDEX_MEM}): the UTXO cache
   * and the entry slabs stay within it. The whole process takes more: see `index_memory.ts`.
   */
  memBytes?: number | undefined;
  /** Transactions + inputs between checkpoints (default from `memBytes`). */
  checkpointEvery?: number | undefined;
}

/** The default budget: what the default `--mem` (1 GiB for the whole process) leaves the index. */
export const DEFAULT_INDEX_MEM: number = chainIndexMem(DEFAULT_PROCESS_MEM);

/**
 * The UTXO set's share of the budget: the cache plus the UTXO segments' bloom filters and
 * directories (the cache shrinks as they grow, down to a quarter of the share).
 */
export const UTXO_SHARE = 0.35;

/** Maintains an archive's chain index; see the module doc. */
export class ChainIndexer {
  private readonly layout = new BlockLayout();
  /** What {@link warmBlock} returned (kept so that its reads are not optimised away). */
  warmth = 0;
  private readonly txids = new EntryBatch(TXID_ENTRY);
  private readonly spends = new EntryBatch(SPEND_ENTRY);
  private firsts: number[] = [];
  private since = 0;
  private lastHash = "";
  /** Inputs connected since open (coinbase inputs not counted). */
  inputsConnected = 0;
  private nextTxnum: number;
  /** Where a checkpoint writes its spend segment meanwhile ({@link startWriteThread}), or null. */
  private writeThread: SegmentWriteThread | null = null;

  private constructor(
    readonly dir: string,
    private slot: IndexSlot,
    private slotName: "a" | "b",
    private readonly utxo: UtxoStore,
    private readonly cache: UtxoCache,
    /** The chain's rules. */
    readonly network: NetworkParams,
    private readonly rules: UtxoRules,
    private readonly txnum: LocalAppendFile,
    private readonly xxh: Xxh64,
  ) {
    this.lastHash = slot.hash;
    this.nextTxnum = slot.nextTxnum;
  }

  /** Opens (or starts) the index of the archive in `dir`; the caller holds its writer lock. */
  static async open(dir: string, o: ChainIndexerOptions): Promise<ChainIndexer> {
    const mem = o.memBytes ?? DEFAULT_INDEX_MEM;
    const every = o.checkpointEvery ?? Math.max(1000, Math.floor(mem / 4 / 27));
    Deno.mkdirSync(`${dir}/${P.utxoDir}`, { recursive: true });
    const found = loadSlot(dir, o.archiveHeight);
    const slot: IndexSlot = found?.slot ?? {
      format: "blkpipe-chain-index",
      version: 1,
      height: o.startHeight - 1,
      hash: "",
      startHeight: o.startHeight,
      nextTxnum: 0,
      txid: [],
      spend: [],
      nextSegment: 0,
      utxo: emptyUtxoState(),
      bip34Matched: false,
      checkpointEvery: every,
      rejected: null,
    };
    // A recorded spacing keeps files reproducible; a fresh or imported slot takes this run's.
    if (!found || !(slot.checkpointEvery > 0)) slot.checkpointEvery = every;
    removeUnnamed(dir);
    // Only segments: the UTXO cache in front of it writes them directly.
    const utxo = await UtxoStore.open(`${dir}/${P.utxoDir}`, { managed: slot.utxo });
    const txnum = await new LocalStore(dir).openAppend("index/txnum.idx");
    if (txnum.length === 0) txnum.append(encodeTxnumHeader(o.startHeight));
    txnum.truncate(TXNUM_HEADER_SIZE + (slot.height - slot.startHeight + 1) * TXNUM_RECORD_SIZE);
    return new ChainIndexer(
      dir,
      slot,
      found?.name ?? "b",
      utxo,
      // Past BIP34's pinned block BIP30 asks for no absent outputs: see OLDEST_FILTER_SHARE.
      UtxoCache.forShare(utxo, mem * UTXO_SHARE, bip30LooksUp(slot.bip34Matched, slot.height + 1)),
      o.network,
      new UtxoRules(o.network, slot.bip34Matched),
      txnum,
      await newXxh64(),
    );
  }

  /**
   * Lets checkpoints write their spend segment on a thread of their own while this one writes the
   * txid segment and flushes the UTXO cache (the same files: only the time changes). False when
   * the process may not load the thread's modules (it then writes here, as without).
   */
  async startWriteThread(): Promise<boolean> {
    this.writeThread ??= await SegmentWriteThread.start();
    return this.writeThread !== null;
  }

  /** Last height connected (durable or not). */
  get height(): number {
    return this.slot.height + this.firsts.length;
  }

  /** Height of the last checkpoint. */
  get durableHeight(): number {
    return this.slot.height;
  }

  /** The rejection that stopped the index on an earlier run, or null. */
  get rejected(): IndexSlot["rejected"] {
    return this.slot.rejected;
  }

  /** Transactions indexed so far. */
  get txCount(): number {
    return this.nextTxnum;
  }

  /**
   * Connects the next block (`height` = {@link height} + 1; `hash` in
   * internal order): null when it passes the chain-wide rules (and it is
   * indexed), else the failure (nothing of the block is kept). `txids`: the
   * block's txids when the caller has them (a precheck computed them).
   */
  connect(
    bytes: Uint8Array,
    height: number,
    hash: Uint8Array,
    txids?: Uint8Array,
  ): CheckFailure | null {
    if (height !== this.height + 1) {
      throw new RangeError(`chain index: block ${height} given, ${this.height + 1} expected`);
    }
    const L = this.layout.parse(bytes);
    const ids = txids?.length === 32 * L.txCount ? txids : computeTxids(L);
    if (this.beforeSnapshotBase(height, hash)) {
      // Below a snapshot's base: the set is the snapshot's; only the rules' state is followed.
      if (height === this.network.bip34Height) {
        this.rules.bip34Matched = BIP34_HASH[this.network.name] === hashToHex(hash);
      }
    } else {
      this.warmth ^= warmBlock(
        this.cache.warmTable(),
        bytes,
        L.inPrevout,
        L.inputCount,
        ids,
        L.txFirstOutput,
        L.txCount,
      );
      const failure = this.rules.connect(L, ids, height, hash, this.cache);
      if (failure) return failure;
      const r = this.rules;
      this.cache.apply(
        height,
        r.adds.subarray(0, 36 * r.addCount),
        r.addValues.subarray(0, r.addCount),
        r.deletes.subarray(0, 36 * r.deleteCount),
        r.overwrites,
        { deletes: r.deleteHints, adds: r.addHints },
      );
    }
    this.cache.absentLookups = bip30LooksUp(this.rules.bip34Matched, height + 1); // as resumed
    let at = this.txids.reserve(L.txCount);
    for (let t = 0; t < L.txCount; t++, at += TXID_ENTRY.entryWidth) {
      encodeTxidEntry(this.txids.slab, at, ids, 32 * t, this.nextTxnum + t);
    }
    this.txids.count += L.txCount;
    const spending = L.inputCount - 1; // the coinbase's input spends nothing
    at = this.spends.reserve(spending);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let t = 1; t < L.txCount; t++) {
      for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
        const p = L.inPrevout[i]!;
        encodeSpendEntry(
          this.spends.slab,
          at,
          bytes,
          p,
          dv.getUint32(p + 32, true),
          this.nextTxnum + t,
        );
        at += SPEND_ENTRY.entryWidth;
      }
    }
    this.spends.count += spending;
    this.inputsConnected += spending;
    this.firsts.push(this.nextTxnum);
    this.nextTxnum += L.txCount;
    this.lastHash = hashToHex(hash);
    this.since += L.txCount + spending;
    if (this.since >= this.slot.checkpointEvery) this.checkpoint();
    return null;
  }

  /** The snapshot's base block, while the index waits for it to be archived (else null). */
  get pendingSnapshotBase(): string | null {
    const s = this.slot;
    return s.assumedUtxoHash !== undefined && s.assumedUtxoHeight === undefined
      ? s.assumedUtxoHash
      : null;
  }

  /** True for a block at or below the base of the snapshot the index started from. */
  private beforeSnapshotBase(height: number, hash: Uint8Array): boolean {
    const s = this.slot;
    if (s.assumedUtxoHash !== undefined && s.assumedUtxoHeight === undefined) {
      if (hashToHex(hash) === s.assumedUtxoHash) s.assumedUtxoHeight = height;
      return true;
    }
    return height <= (s.assumedUtxoHeight ?? -1);
  }

  /** Makes everything connected so far durable in the next slot (a no-op when nothing is new). */
  checkpoint(rejected: IndexSlot["rejected"] = this.slot.rejected): void {
    if (this.firsts.length === 0 && rejected === this.slot.rejected) return;
    const rec = new Uint8Array(this.firsts.length * TXNUM_RECORD_SIZE);
    const v = new DataView(rec.buffer);
    this.firsts.forEach((f, i) => v.setBigUint64(i * TXNUM_RECORD_SIZE, BigInt(f), true));
    this.txnum.append(rec);
    this.txnum.syncNow();
    const next: IndexSlot = {
      ...this.slot,
      height: this.height,
      hash: this.lastHash,
      nextTxnum: this.nextTxnum,
      txid: [...this.slot.txid],
      spend: [...this.slot.spend],
      bip34Matched: this.rules.bip34Matched,
      rejected,
    };
    const txidNo = this.txids.count > 0 ? next.nextSegment++ : -1;
    const spendNo = this.spends.count > 0 ? next.nextSegment++ : -1;
    // The spend segment (the largest) is written on the thread, if there is one, meanwhile.
    const spendPath = `${this.dir}/${P.spend(spendNo)}`;
    const pending = spendNo < 0 ? null : this.writeThread?.begin(this.spends, spendPath) ?? null;
    try {
      if (txidNo >= 0) this.txids.writeSegment(`${this.dir}/${P.txid(txidNo)}`, this.xxh);
      if (spendNo >= 0 && pending === null) this.spends.writeSegment(spendPath, this.xxh);
      this.cache.checkpoint(next.height + 1);
    } catch (e) {
      try {
        pending?.wait(); // the thread's file is left to removeUnnamed, as this one's are
      } catch {
        // the first failure is the one to report
      }
      throw e;
    }
    pending?.wait();
    if (txidNo >= 0) next.txid.push(txidNo);
    if (spendNo >= 0) next.spend.push(spendNo);
    compactIfNeeded(this.dir, next, this.xxh);
    next.utxo = this.utxo.state;
    this.slotName = this.slotName === "a" ? "b" : "a";
    writeSlot(this.dir, this.slotName, next);
    this.slot = next;
    this.firsts = [];
    this.since = 0;
    removeUnnamed(this.dir);
  }

  /** Releases files (call {@link checkpoint} first to keep what is not durable yet). */
  close(): void {
    this.writeThread?.close();
    this.writeThread = null;
    this.utxo.close();
    this.txnum.close();
  }
}
