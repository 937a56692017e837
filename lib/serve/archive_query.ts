/**
 * `ArchiveQuery`: what an Esplora client asks, answered from an archive and
 * its chain index — blocks by height or hash, transactions by txid with
 * their prevouts and fee, outspends, merkle proofs — as Esplora's JSON
 * shapes. Decompressed frames are kept in a bounded LRU cache.
 *
 * @module
 */

import type { ArchiveReader } from "../archive/archive_reader.ts";
import type { BlockLayout } from "../bitcoin/block_layout.ts";
import type { NetworkName } from "../bitcoin/network.ts";
import { merkleBranch } from "../bitcoin/merkle.ts";
import { computeTxids, txidOf } from "../bitcoin/txid.ts";
import { hashToHex, toHex } from "../bytes/hex.ts";
import { OutpointIndex } from "../index/outpoint_index.ts";
import { BlockHashTable } from "./block_hash_table.ts";
import { esploraBlock, esploraOutput, type EsploraStatus, esploraTx } from "./esplora_format.ts";

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(what);
    this.name = "NotFoundError";
  }
}

/** A block with its parse. */
interface LoadedBlock {
  height: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  layout: BlockLayout;
  /** All txids, computed on first use (tx lookups need one, not all). */
  ids: Uint8Array | null;
}

function idsOf(b: LoadedBlock): Uint8Array {
  return b.ids ??= computeTxids(b.layout);
}

/** Queries over one archive. Open with {@link ArchiveQuery.open}. */
export class ArchiveQuery {
  private constructor(
    readonly reader: ArchiveReader,
    readonly index: OutpointIndex,
    private readonly hashes: BlockHashTable,
    readonly network: NetworkName,
  ) {}

  /**
   * Opens the archive at `archive` (a directory or `s3://…`); its chain index must exist
   * (`deno task index`), in the archive's directory or in `indexDir`.
   */
  static async open(
    archive: string,
    options: { cacheBytes?: number; indexDir?: string | undefined } = {},
  ): Promise<ArchiveQuery> {
    const index = await OutpointIndex.open(archive, { indexDir: options.indexDir });
    const reader = index.txids.reader;
    reader.cacheBytes = options.cacheBytes ?? 256 << 20;
    const hashes = new BlockHashTable(reader);
    await hashes.update();
    return new ArchiveQuery(reader, index, hashes, reader.manifest.network);
  }

  /** The tip: the lower of the archive's and the index's. */
  get tipHeight(): number {
    return Math.min(this.reader.tipHeight, this.index.txids.height);
  }

  /** Hash (display hex) at `height`. */
  async hashAt(height: number): Promise<string> {
    if (height < this.reader.startHeight || height > this.tipHeight) {
      throw new NotFoundError("Block not found");
    }
    return hashToHex((await this.reader.record(height)).hash);
  }

  /** Height of the block `hash` (internal order), or a NotFoundError. */
  async heightOf(hash: Uint8Array): Promise<number> {
    const h = await this.hashes.height(hash);
    if (h < 0 || h > this.tipHeight) throw new NotFoundError("Block not found");
    return h;
  }

  /** The block at `height`, parsed (through the txid index's cache of recent parses). */
  private async load(height: number): Promise<LoadedBlock> {
    const { block, layout } = await this.index.txids.parsedBlock(height);
    const rec = await this.reader.record(height);
    return { height, hash: rec.hash.slice(), bytes: block, layout, ids: null };
  }

  /** Median time of the 11 blocks up to `height`. */
  private async medianTime(height: number): Promise<number> {
    const times: number[] = [];
    for (let h = Math.max(this.reader.startHeight, height - 10); h <= height; h++) {
      const header = (await this.reader.record(h)).header;
      times.push(new DataView(header.buffer, header.byteOffset, 80).getUint32(68, true));
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  /** Esplora's block JSON. */
  async block(hash: Uint8Array): Promise<Record<string, unknown>> {
    const b = await this.load(await this.heightOf(hash));
    return esploraBlock(b.layout, b.hash, b.height, await this.medianTime(b.height));
  }

  /** The 10 blocks down from `start` (default: the tip). */
  async blocks(start = this.tipHeight): Promise<Record<string, unknown>[]> {
    const out = [];
    for (
      let h = Math.min(start, this.tipHeight);
      h >= this.reader.startHeight && out.length < 10;
      h--
    ) {
      const b = await this.load(h);
      out.push(esploraBlock(b.layout, b.hash, h, await this.medianTime(h)));
    }
    return out;
  }

  /** The 80-byte header, hex. */
  async header(hash: Uint8Array): Promise<string> {
    return toHex((await this.reader.record(await this.heightOf(hash))).header);
  }

  /** `{in_best_chain, height, next_best}` (an archive holds the best chain only). */
  async blockStatus(hash: Uint8Array): Promise<Record<string, unknown>> {
    const h = await this.hashes.height(hash);
    if (h < 0 || h > this.tipHeight) return { in_best_chain: false };
    return {
      in_best_chain: true,
      height: h,
      next_best: h < this.tipHeight ? await this.hashAt(h + 1) : null,
    };
  }

  /** All txids of the block (display hex). */
  async txids(hash: Uint8Array): Promise<string[]> {
    const b = await this.load(await this.heightOf(hash));
    return Array.from(
      { length: b.layout.txCount },
      (_, i) => hashToHex(idsOf(b).subarray(32 * i, 32 * i + 32)),
    );
  }

  /** The block's raw bytes. */
  async rawBlock(hash: Uint8Array): Promise<Uint8Array> {
    return await this.reader.readBlock(await this.heightOf(hash));
  }

  /** Transactions `start..start+25` of the block, Esplora's JSON without `status`. */
  async blockTxs(hash: Uint8Array, start: number): Promise<Record<string, unknown>[]> {
    const b = await this.load(await this.heightOf(hash));
    if (start >= b.layout.txCount) throw new RangeError("start index out of range");
    const out = [];
    for (let t = start; t < Math.min(start + 25, b.layout.txCount); t++) {
      out.push(await this.txJson(b, t));
    }
    return out;
  }

  private async txJson(
    b: LoadedBlock,
    t: number,
    status?: EsploraStatus,
  ): Promise<Record<string, unknown>> {
    const L = b.layout;
    const prevouts = [];
    const dv = new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    for (let i = L.txFirstInput[t]!; i < L.txFirstInput[t + 1]!; i++) {
      if (t === 0) {
        prevouts.push(null);
        continue;
      }
      const p = L.inPrevout[i]!;
      const out = await this.index.output(b.bytes.subarray(p, p + 32), dv.getUint32(p + 32, true));
      prevouts.push(out ? esploraOutput(out.script, out.value, this.network) : null);
    }
    const id = b.ids ? b.ids.subarray(32 * t, 32 * t + 32) : txidOf(L, t);
    return esploraTx(L, t, id, prevouts, this.network, status);
  }

  private status(b: LoadedBlock): EsploraStatus {
    const time = new DataView(b.bytes.buffer, b.bytes.byteOffset, 80).getUint32(68, true);
    return {
      confirmed: true,
      block_height: b.height,
      block_hash: hashToHex(b.hash),
      block_time: time,
    };
  }

  /** The block holding `txid` and the transaction's position, or a NotFoundError. */
  private async findTx(txid: Uint8Array): Promise<{ b: LoadedBlock; t: number }> {
    const found = await this.index.txids.find(txid);
    if (!found || found.at.height > this.tipHeight) {
      throw new NotFoundError("Transaction not found");
    }
    return { b: await this.load(found.at.height), t: found.at.index };
  }

  /** Esplora's transaction JSON (prevouts, fee, status). */
  async tx(txid: Uint8Array): Promise<Record<string, unknown>> {
    const { b, t } = await this.findTx(txid);
    return await this.txJson(b, t, this.status(b));
  }

  /** The transaction's confirmation status. */
  async txStatus(txid: Uint8Array): Promise<EsploraStatus> {
    return this.status((await this.findTx(txid)).b);
  }

  /** The transaction's bytes. */
  async rawTx(txid: Uint8Array): Promise<Uint8Array> {
    const found = await this.index.txids.find(txid);
    if (!found || found.at.height > this.tipHeight) {
      throw new NotFoundError("Transaction not found");
    }
    return found.tx;
  }

  /** Electrum-style merkle proof: `{block_height, merkle, pos}` (sibling hashes, display hex). */
  async merkleProof(txid: Uint8Array): Promise<Record<string, unknown>> {
    const { b, t } = await this.findTx(txid);
    const merkle = merkleBranch(idsOf(b), t, b.layout.txCount).map(hashToHex);
    return { block_height: b.height, merkle, pos: t };
  }

  /** `{spent, txid, vin, status}` for output `vout` of `txid`. */
  async outspend(txid: Uint8Array, vout: number): Promise<Record<string, unknown>> {
    const out = await this.index.output(txid, vout);
    if (!out) throw new NotFoundError("Transaction not found");
    const s = await this.index.spender(txid, vout);
    if (!s || s.height > this.tipHeight) return { spent: false };
    const rec = await this.reader.record(s.height);
    const time = new DataView(rec.header.buffer, rec.header.byteOffset, 80).getUint32(68, true);
    return {
      spent: true,
      txid: s.txid,
      vin: s.vin,
      status: {
        confirmed: true,
        block_height: s.height,
        block_hash: hashToHex(rec.hash),
        block_time: time,
      },
    };
  }

  /** Outspends of every output of `txid`. */
  async outspends(txid: Uint8Array): Promise<Record<string, unknown>[]> {
    const found = await this.index.txids.find(txid);
    if (!found) throw new NotFoundError("Transaction not found");
    const out = [];
    for (let v = 0; v < found.outputs; v++) out.push(await this.outspend(txid, v));
    return out;
  }

  /** Releases files. */
  close(): void {
    this.index.close();
  }
}
