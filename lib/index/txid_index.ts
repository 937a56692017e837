/**
 * The txid index: built (and extended) from an archive's blocks in height
 * order — every transaction numbered in chain order, its txid's 6-byte
 * prefix and number appended to a memory slab, the slab sorted and written
 * as a segment every `batchEntries` entries — and queried: txid → height and
 * position in the block. Durability: the txnum records and the segment are
 * fsynced before `index/txid.json` names them; a killed run is cut back to
 * the last recorded height by the next one.
 *
 * @module
 */

import { computeTxids } from "../bitcoin/txid.ts";
import { BlockLayout } from "../bitcoin/block_layout.ts";
import { ArchiveReader } from "../archive/archive_reader.ts";
import { mergeSources, sortEntries } from "../segment/memory_run.ts";
import { Segment } from "../segment/segment.ts";
import { SegmentWriter } from "../segment/segment_writer.ts";
import { segmentSource } from "../segment/utxo_merge.ts";
import { closeSync } from "node:fs";
import { LocalStore, openLocal, writeFileAtomic } from "../store/local_store.ts";
import { preadExact } from "../store/pread.ts";
import {
  decodeTxnumHeader,
  encodeTxidEntry,
  encodeTxnumHeader,
  TXID_ENTRY,
  TXID_INDEX_PATHS,
  type TxidIndexState,
  TXNUM_HEADER_SIZE,
  TXNUM_RECORD_SIZE,
  txnumOf,
} from "./txid_index_format.ts";

/** What a build run did. */
export interface TxidIndexBuild {
  /** Heights indexed this run (from > to: nothing new). */
  from: number;
  to: number;
  /** Transactions indexed this run. */
  txs: number;
  /** Transactions in the index. */
  totalTxs: number;
  /** Bytes of the index files (segments and txnum.idx). */
  indexBytes: number;
}

function loadState(dir: string, start: number): TxidIndexState {
  try {
    const s = JSON.parse(
      Deno.readTextFileSync(`${dir}/${TXID_INDEX_PATHS.state}`),
    ) as TxidIndexState;
    if (s.format === "blkpipe-txid-index") return s;
  } catch {
    // none yet
  }
  return {
    format: "blkpipe-txid-index",
    version: 1,
    height: start - 1,
    nextTxnum: 0,
    segments: [],
    nextSegment: 0,
  };
}

function saveState(dir: string, s: TxidIndexState): void {
  writeFileAtomic(`${dir}/${TXID_INDEX_PATHS.state}`, JSON.stringify(s, null, 2) + "\n");
}

/** Removes segments a killed run wrote but never recorded. */
function removeUnlisted(dir: string, s: TxidIndexState): void {
  const keep = new Set(s.segments.map((n) => TXID_INDEX_PATHS.segment(n).slice("index/".length)));
  for (const e of Deno.readDirSync(`${dir}/index`)) {
    if (e.name.startsWith("txid-") && !keep.has(e.name)) Deno.removeSync(`${dir}/index/${e.name}`);
  }
}

/** Builds or extends the txid index of the archive in `dir` (the caller holds its writer lock). */
export async function buildTxidIndex(
  dir: string,
  options: { batchEntries?: number; compactAbove?: number } = {},
): Promise<TxidIndexBuild> {
  const reader = await ArchiveReader.open(new LocalStore(dir));
  const start = reader.startHeight;
  let state = loadState(dir, start);
  removeUnlisted(dir, state);
  const txnum = await new LocalStore(dir).openAppend(TXID_INDEX_PATHS.txnum);
  try {
    if (txnum.length === 0) txnum.append(encodeTxnumHeader(start));
    txnum.truncate(TXNUM_HEADER_SIZE + (state.height - start + 1) * TXNUM_RECORD_SIZE);
    const batch = options.batchEntries ?? 4_000_000;
    let slab = new Uint8Array(Math.min(batch, 1 << 16) * TXID_ENTRY.entryWidth);
    let count = 0;
    const firsts: number[] = [];
    const layout = new BlockLayout();
    const from = state.height + 1;
    const firstOfRun = state.nextTxnum;
    let next = state.nextTxnum;
    const flush = async (height: number) => {
      const rec = new Uint8Array(firsts.length * TXNUM_RECORD_SIZE);
      const v = new DataView(rec.buffer);
      firsts.forEach((f, i) => v.setBigUint64(i * TXNUM_RECORD_SIZE, BigInt(f), true));
      txnum.append(rec);
      txnum.sync();
      firsts.length = 0;
      const segments = [...state.segments];
      if (count > 0) {
        const sorted = sortEntries(slab, count, TXID_ENTRY.entryWidth, TXID_ENTRY.sortWidth);
        const w = await SegmentWriter.create(
          `${dir}/${TXID_INDEX_PATHS.segment(state.nextSegment)}`,
          { ...TXID_ENTRY, capacity: count },
        );
        w.add(sorted, 0, count);
        w.finish();
        segments.push(state.nextSegment);
      }
      state = {
        ...state,
        height,
        nextTxnum: next,
        segments,
        nextSegment: state.nextSegment + (count > 0 ? 1 : 0),
      };
      saveState(dir, state);
      count = 0;
    };
    for (let h = from; h <= reader.tipHeight; h++) {
      const block = await reader.readBlock(h);
      layout.parse(block);
      const txids = computeTxids(layout);
      firsts.push(next);
      const need = (count + layout.txCount) * TXID_ENTRY.entryWidth;
      if (need > slab.length) {
        const grown = new Uint8Array(Math.max(need, 2 * slab.length));
        grown.set(slab.subarray(0, count * TXID_ENTRY.entryWidth));
        slab = grown;
      }
      for (let i = 0; i < layout.txCount; i++) {
        encodeTxidEntry(slab, (count + i) * TXID_ENTRY.entryWidth, txids, 32 * i, next + i);
      }
      count += layout.txCount;
      next += layout.txCount;
      if (count >= batch) await flush(h);
    }
    if (firsts.length > 0 || count > 0) await flush(reader.tipHeight);
    if (state.segments.length > (options.compactAbove ?? 8)) state = await compact(dir, state);
    const indexBytes = txnum.length +
      state.segments.reduce(
        (n, s) => n + Deno.statSync(`${dir}/${TXID_INDEX_PATHS.segment(s)}`).size,
        0,
      );
    return {
      from,
      to: state.height,
      txs: state.nextTxnum - firstOfRun,
      totalTxs: state.nextTxnum,
      indexBytes,
    };
  } finally {
    txnum.close();
    reader.close();
  }
}

/** Merges every segment into one (streaming k-way merge); returns the new state. */
async function compact(dir: string, state: TxidIndexState): Promise<TxidIndexState> {
  const segs = await Promise.all(
    state.segments.map((n) => Segment.open(`${dir}/${TXID_INDEX_PATHS.segment(n)}`)),
  );
  try {
    const n = state.nextSegment;
    const w = await SegmentWriter.create(`${dir}/${TXID_INDEX_PATHS.segment(n)}`, {
      ...TXID_ENTRY,
      capacity: segs.reduce((c, s) => c + s.count, 0),
    });
    mergeSources(
      segs.map((s) => segmentSource(s)),
      TXID_ENTRY.entryWidth,
      TXID_ENTRY.sortWidth,
      (b, at) => w.add(b, at),
    );
    w.finish();
    const next = { ...state, segments: [n], nextSegment: n + 1 };
    saveState(dir, next);
    return next;
  } finally {
    for (const s of segs) s.close();
    removeUnlisted(dir, loadState(dir, 0));
  }
}

/** Where a transaction is. */
export interface TxLocation {
  /** Block height. */
  height: number;
  /** Position in the block. */
  index: number;
  /** Tx number (chain order). */
  txnum: number;
}

/** A transaction found by {@link TxidIndex.find}. */
export interface FoundTx {
  /** Where it is. */
  at: TxLocation;
  /** Its bytes (a view into `block`). */
  tx: Uint8Array;
  /** The block holding it. */
  block: Uint8Array;
  /** Its input and output counts. */
  inputs: number;
  outputs: number;
}

/** Lookups by txid. Open with {@link TxidIndex.open}. */
export class TxidIndex {
  private readonly layout = new BlockLayout();
  private constructor(
    readonly reader: ArchiveReader,
    private readonly segments: Segment[],
    private readonly txnumFd: number,
    private readonly state: TxidIndexState,
    private readonly start: number,
    private readonly path: string,
  ) {}

  /** Opens the txid index of the archive in `dir` (throws NotFound when it was never built). */
  static async open(dir: string): Promise<TxidIndex> {
    const text = Deno.readTextFileSync(`${dir}/${TXID_INDEX_PATHS.state}`);
    const state = JSON.parse(text) as TxidIndexState;
    const reader = await ArchiveReader.open(new LocalStore(dir));
    const path = `${dir}/${TXID_INDEX_PATHS.txnum}`;
    const fd = openLocal(path, "r");
    const head = new Uint8Array(TXNUM_HEADER_SIZE);
    preadExact(fd, head, 0, path);
    const start = decodeTxnumHeader(head, path);
    const segments = await Promise.all(
      state.segments.map((n) => Segment.open(`${dir}/${TXID_INDEX_PATHS.segment(n)}`)),
    );
    return new TxidIndex(reader, segments, fd, state, start, path);
  }

  /** Highest indexed height. */
  get height(): number {
    return this.state.height;
  }

  private firstTxnum(height: number): number {
    const b = new Uint8Array(TXNUM_RECORD_SIZE);
    preadExact(
      this.txnumFd,
      b,
      TXNUM_HEADER_SIZE + (height - this.start) * TXNUM_RECORD_SIZE,
      this.path,
    );
    return Number(new DataView(b.buffer).getBigUint64(0, true));
  }

  /** Height of the block holding tx number `n`. */
  private heightOf(n: number): number {
    let lo = this.start, hi = this.state.height;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.firstTxnum(mid) <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The transaction with `txid` (internal byte order): where it is, its bytes, or null. */
  async find(txid: Uint8Array): Promise<FoundTx | null> {
    for (const seg of this.segments) {
      const hit = seg.find(txid);
      if (!hit) continue;
      for (let k = 0; k < hit.count; k++) {
        const txnum = txnumOf(hit.bytes, (hit.first + k) * TXID_ENTRY.entryWidth);
        const height = this.heightOf(txnum);
        const index = txnum - this.firstTxnum(height);
        const block = await this.reader.readBlock(height);
        this.layout.parse(block);
        if (index >= this.layout.txCount) continue;
        const ids = computeTxids(this.layout);
        if (!ids.subarray(32 * index, 32 * index + 32).every((b, i) => b === txid[i])) continue;
        const L = this.layout;
        return {
          at: { height, index, txnum },
          tx: block.subarray(L.txStart[index]!, L.txEnd[index]!),
          block,
          inputs: L.txFirstInput[index + 1]! - L.txFirstInput[index]!,
          outputs: L.txFirstOutput[index + 1]! - L.txFirstOutput[index]!,
        };
      }
    }
    return null;
  }

  /** Releases files. */
  close(): void {
    for (const s of this.segments) s.close();
    closeSync(this.txnumFd);
    this.reader.close();
  }
}
