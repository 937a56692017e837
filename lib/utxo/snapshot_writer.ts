/**
 * Writing UTXO snapshots in Core's format or blkpipe's (layouts in
 * `snapshot_reader.ts`): {@link encodeCoin} is Core's coin encoding,
 * {@link SnapshotWriter} groups coins per txid and streams the file.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { type NetworkName, NETWORKS } from "../bitcoin/network.ts";
import { ByteWriter } from "../bytes/byte_writer.ts";
import {
  compressAmount,
  compressedScriptBody,
  compressedScriptType,
  SPECIAL_SCRIPTS,
  specialScriptSize,
  writeVarInt,
} from "./core_compress.ts";
import {
  BLKPIPE_SNAPSHOT_MAGIC,
  BLKPIPE_SNAPSHOT_VERSION,
  HEADER,
  HEADER_SIZE,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
} from "./snapshot_format.ts";

/**
 * Appends Core's coin encoding: VARINT(height × 2 + coinbase) ‖ VARINT(compressed amount) ‖
 * compressed script (`script[from..to)`; nothing is allocated for the common script types).
 */
export function encodeCoin(
  out: ByteWriter,
  height: number,
  coinbase: boolean,
  value: number,
  script: Uint8Array,
  from = 0,
  to = script.length,
): void {
  writeVarInt(out, height * 2 + (coinbase ? 1 : 0));
  writeVarInt(out, compressAmount(value));
  const type = compressedScriptType(script, from, to);
  if (type >= 0) {
    const body = from + compressedScriptBody(type);
    out.u8(type).range(script, body, body + specialScriptSize(type));
  } else {
    writeVarInt(out, to - from + SPECIAL_SCRIPTS);
    out.range(script, from, to);
  }
}

/**
 * Writes a snapshot: the header, then coins grouped per txid (add them in
 * Core's order: txid bytes, then vout). Core's format by default; with
 * `blkpipe`, blkpipe's (no scripts, the base height, a checksum), whose
 * coin count need not be known in advance: {@link header} gives the final
 * header to patch in after {@link end}. With a `sink`, the bytes go out
 * about a MiB at a time; without, {@link bytes} returns the whole file.
 */
export class SnapshotWriter {
  private readonly out = new ByteWriter(1 << 16);
  private readonly group = new ByteWriter(1 << 12);
  private readonly coin = new ByteWriter(64);
  private readonly groupTxid = new Uint8Array(32);
  private readonly head: Uint8Array;
  private readonly sha: Hash | null;
  private groupCoins = 0;
  private headerInOut: boolean;
  /** Coins added so far. */
  coins = 0;

  /** A snapshot of `count` coins (Core's; blkpipe's counts itself) on `network`, based at `baseHash` (internal order). */
  constructor(
    network: NetworkName,
    baseHash: Uint8Array,
    readonly count: number,
    private readonly sink?: (bytes: Uint8Array) => void,
    blkpipe?: { baseHeight: number },
  ) {
    const head = new Uint8Array(HEADER_SIZE[blkpipe ? "blkpipe" : "core"]);
    const dv = new DataView(head.buffer);
    if (blkpipe) {
      head.set(BLKPIPE_SNAPSHOT_MAGIC);
      dv.setUint16(5, BLKPIPE_SNAPSHOT_VERSION, true);
      dv.setUint32(HEADER, blkpipe.baseHeight, true);
    } else {
      head.set(SNAPSHOT_MAGIC);
      dv.setUint16(5, SNAPSHOT_VERSION, true);
    }
    head.set(NETWORKS[network].magic, 7);
    head.set(baseHash, 11);
    dv.setBigUint64(43, BigInt(count), true);
    this.head = head;
    this.sha = blkpipe ? createHash("sha256") : null;
    this.out.bytes(head);
    this.headerInOut = true;
  }

  /** Adds one coin; its output script (compressed as Core does) unless the format is blkpipe's. */
  add(
    txid: Uint8Array,
    vout: number,
    height: number,
    coinbase: boolean,
    value: number,
    script?: Uint8Array,
  ): void {
    this.coin.truncate(0);
    if (this.sha) {
      writeVarInt(this.coin, height * 2 + (coinbase ? 1 : 0));
      writeVarInt(this.coin, compressAmount(value));
    } else {
      if (!script) throw new TypeError("a Core snapshot needs each coin's script");
      encodeCoin(this.coin, height, coinbase, value, script);
    }
    const c = this.coin;
    this.addEncodedAt(txid, 0, vout, c.buffer, 0, c.length);
  }

  /** Adds one coin already encoded for the format ({@link encodeCoin} for Core's). */
  addEncoded(txid: Uint8Array, vout: number, coin: Uint8Array): void {
    this.addEncodedAt(txid, 0, vout, coin, 0, coin.length);
  }

  /**
   * {@link addEncoded} without views: the txid is `txids[txidAt..+32)`, the
   * encoded coin `coins[from..to)` (nothing is allocated per coin).
   */
  addEncodedAt(
    txids: Uint8Array,
    txidAt: number,
    vout: number,
    coins: Uint8Array,
    from: number,
    to: number,
  ): void {
    let same = this.groupCoins > 0;
    for (let i = 0; same && i < 32; i++) same = this.groupTxid[i] === txids[txidAt + i];
    if (!same) {
      this.endGroup();
      for (let i = 0; i < 32; i++) this.groupTxid[i] = txids[txidAt + i]!;
    }
    this.group.varint(vout).range(coins, from, to);
    this.groupCoins++;
    this.coins++;
  }

  private endGroup(): void {
    if (this.groupCoins === 0) return;
    this.out.bytes(this.groupTxid).varint(this.groupCoins).bytes(this.group.view());
    this.group.truncate(0);
    this.groupCoins = 0;
    if (this.sink && this.out.length >= 1 << 20) this.emit();
  }

  private emit(): void {
    this.sha?.update(this.out.view().subarray(this.headerInOut ? this.head.length : 0));
    this.headerInOut = false;
    this.sink!(this.out.view());
    this.out.truncate(0);
  }

  private finish(): void {
    this.endGroup();
    if (!this.sha) return;
    const body = this.out.view().subarray(this.headerInOut ? this.head.length : 0);
    new DataView(this.head.buffer).setBigUint64(43, BigInt(this.coins), true);
    if (this.headerInOut) this.out.patch(0, this.head);
    const digest = this.sha.update(body).update(this.head).digest();
    this.out.bytes(new Uint8Array(digest.buffer, digest.byteOffset, digest.length));
  }

  /** Sends what is left (and blkpipe's checksum) to the sink. */
  end(): void {
    this.finish();
    this.sink?.(this.out.view());
    this.out.truncate(0);
  }

  /** The whole file (without a sink). */
  bytes(): Uint8Array {
    this.finish();
    return this.out.toBytes();
  }

  /** The file's header as it must finally read (after {@link end}; blkpipe's records the count then). */
  header(): Uint8Array {
    return this.head;
  }
}
