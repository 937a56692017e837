/**
 * Lookups by txid: the txid index (prefix → tx number, written by the chain
 * indexer) and txnum.idx map a txid to a block height and position; the
 * transaction is read from the archive and its full txid confirmed.
 *
 * @module
 */

import { txidOf } from "../bitcoin/txid.ts";
import { ByteLru } from "../bytes/byte_lru.ts";
import { BlockLayout } from "../bitcoin/block_layout.ts";
import { ArchiveReader } from "../archive/archive_reader.ts";
import { Segment, type SegmentOpenOptions } from "../segment/segment.ts";
import { closeSync } from "node:fs";
import { openLocal } from "../store/local_store.ts";
import { preadExact } from "../store/pread.ts";
import {
  decodeTxnumHeader,
  TXID_ENTRY,
  TXID_INDEX_PATHS,
  TXNUM_HEADER_SIZE,
  TXNUM_RECORD_SIZE,
  txnumOf,
} from "./txid_index_format.ts";
import { CHAIN_INDEX_PATHS, type IndexSlot } from "./chain_index_format.ts";
import { assertIndexOfArchive, readCurrentSlot } from "./index_slots.ts";

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
  /** The block, parsed (shared: do not change it). */
  layout: BlockLayout;
  /** Its input and output counts. */
  inputs: number;
  outputs: number;
}

/** How to open the chain index for lookups. */
export interface IndexOpenOptions {
  /** A local directory holding the index (default: the archive's own directory). */
  indexDir?: string | undefined;
  /** Load the segments' bloom filters (default true; false for one-shot lookups). */
  blooms?: boolean | undefined;
}

/** The segment options for index options. */
export function segmentOptions(o: IndexOpenOptions): SegmentOpenOptions {
  return { bloom: o.blooms !== false };
}

/** Lookups by txid. Open with {@link TxidIndex.open}. */
export class TxidIndex {
  private constructor(
    readonly reader: ArchiveReader,
    private readonly segments: Segment[],
    /** The checkpoint the lookups see. */
    readonly slot: IndexSlot,
    private readonly start: number,
    private readonly maxHeight: number,
    /** First tx number per height, read once (8 bytes per height: 7 MB for mainnet). */
    private readonly firsts: Float64Array,
  ) {}

  /**
   * Opens the index of the archive at `archive` (throws NotFound when it was never built). The
   * index is in the archive's directory, or in `indexDir` (a local directory: needed for an
   * archive in object storage). `blooms: false` opens the segments without their bloom filters
   * (see {@link SegmentOpenOptions}): for a process that makes a few lookups and exits.
   */
  static async open(archive: string, o: IndexOpenOptions = {}): Promise<TxidIndex> {
    const dir = o.indexDir ?? archive;
    let slot;
    try {
      slot = readCurrentSlot(dir);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound) || o.indexDir === undefined) throw e;
      throw new Deno.errors.NotFound(
        `${dir}: no chain index there — run \`deno task index --archive ${archive} ` +
          `--index-dir ${dir}\``,
      );
    }
    const reader = await ArchiveReader.open(archive);
    try {
      if (o.indexDir !== undefined) await assertIndexOfArchive(slot, reader, dir, archive);
    } catch (e) {
      reader.close();
      throw e;
    }
    const path = `${dir}/${TXID_INDEX_PATHS.txnum}`;
    const fd = openLocal(path, "r");
    const head = new Uint8Array(TXNUM_HEADER_SIZE);
    preadExact(fd, head, 0, path);
    const start = decodeTxnumHeader(head, path);
    const segments = await Promise.all(
      slot.txid.map((n) => Segment.open(`${dir}/${CHAIN_INDEX_PATHS.txid(n)}`, segmentOptions(o))),
    );
    // A writer may checkpoint the index just before the archive's resume point.
    const max = Math.min(slot.height, reader.tipHeight);
    const n = Math.max(0, max - start + 1);
    const raw = new Uint8Array(n * TXNUM_RECORD_SIZE);
    preadExact(fd, raw, TXNUM_HEADER_SIZE, path);
    const v = new DataView(raw.buffer);
    const firsts = new Float64Array(n);
    for (let i = 0; i < n; i++) firsts[i] = Number(v.getBigUint64(i * TXNUM_RECORD_SIZE, true));
    closeSync(fd);
    return new TxidIndex(reader, segments, slot, start, max, firsts);
  }

  /** Highest indexed height. */
  get height(): number {
    return this.maxHeight;
  }

  /** Where tx number `txnum` is (it must be below the index's next tx number). */
  locate(txnum: number): TxLocation {
    const height = this.heightOf(txnum);
    return { height, index: txnum - this.firstTxnum(height), txnum };
  }

  /** The transaction with tx number `txnum`: the block holding it, parsed, and its position. */
  async readTx(txnum: number): Promise<{ at: TxLocation; block: Uint8Array; layout: BlockLayout }> {
    const at = this.locate(txnum);
    return { at, ...(await this.parsedBlock(at.height)) };
  }

  private readonly recent = new ByteLru<number, { block: Uint8Array; layout: BlockLayout }>(0);

  /**
   * The block at `height`, parsed (do not change it). Recent parses are kept (a server asks for
   * the same blocks) while the frames they hold stay within the reader's
   * frame-cache budget (32 MiB when it has none).
   */
  async parsedBlock(height: number): Promise<{ block: Uint8Array; layout: BlockLayout }> {
    let p = this.recent.get(height);
    if (p) return p;
    const block = await this.reader.readBlock(height);
    p = { block, layout: new BlockLayout().parse(block) };
    this.recent.maxBytes = this.reader.cacheBytes || 32 << 20;
    this.recent.set(height, p, block.buffer.byteLength);
    return p;
  }

  private firstTxnum(height: number): number {
    return this.firsts[height - this.start]!;
  }

  /** Height of the block holding tx number `n`. */
  private heightOf(n: number): number {
    let lo = this.start, hi = this.maxHeight;
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
        if (txnum >= this.slot.nextTxnum) continue;
        const height = this.heightOf(txnum);
        const index = txnum - this.firstTxnum(height);
        const { block, layout: L } = await this.parsedBlock(height);
        if (index >= L.txCount) continue;
        const id = txidOf(L, index);
        if (!id.every((b, i) => b === txid[i])) continue;
        return {
          at: { height, index, txnum },
          tx: block.subarray(L.txStart[index]!, L.txEnd[index]!),
          block,
          layout: L,
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
    this.reader.close();
  }
}
