/**
 * UTXO snapshot files. Bitcoin Core's (`dumptxoutset`, format version 2,
 * `src/node/utxo_snapshot.h`):
 *
 * ```text
 * header   "utxo" 0xff (5) ‖ version u16 LE (2) ‖ network magic (4) ‖ base block hash (32,
 *          internal order) ‖ coin count u64 LE
 * coins    grouped per txid: txid (32) ‖ CompactSize n ‖ n × (CompactSize vout ‖ coin)
 * coin     VARINT(height × 2 + coinbase) ‖ VARINT(compressed amount) ‖ compressed script
 *          (type 0..5 then 20 or 32 bytes, or VARINT(size + 6) ‖ script)
 * ```
 *
 * and blkpipe's own (`checkpoint export --format blkpipe`): the same layout
 * without scripts (blkpipe's chain-wide rules do not run them, and its UTXO
 * set does not keep them, so it is written from the index alone, without a
 * pass over the archive), with the base height in the header and a SHA-256
 * of everything before it at the end:
 *
 * ```text
 * header   "blkp" 0xff ‖ version u16 LE (1) ‖ network magic ‖ base block hash ‖ coin count u64 LE
 *          ‖ base height u32 LE
 * coins    as Core's, each coin VARINT(height × 2 + coinbase) ‖ VARINT(compressed amount)
 * trailer  SHA-256(coins ‖ header) (32): the count is known only at the end, so the header is
 *          hashed last and a writer can patch it in place
 * ```
 *
 * {@link readSnapshot} streams either (bounded memory whatever its size) and
 * checks it parses exactly to its end; {@link SnapshotWriter} writes either.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { NETWORK_NAMES, type NetworkName, NETWORKS } from "../bitcoin/network.ts";
import { hashToHex } from "../bytes/hex.ts";
import { ByteWriter } from "../bytes/byte_writer.ts";
import {
  compressAmount,
  compressedScriptBody,
  compressedScriptType,
  decompressAmount,
  SPECIAL_SCRIPTS,
  specialScriptSize,
  writeVarInt,
} from "./core_compress.ts";

/** The five magic bytes of Core's format. */
export const SNAPSHOT_MAGIC: Uint8Array = Uint8Array.of(0x75, 0x74, 0x78, 0x6f, 0xff);
/** The version of Core's format written and read. */
export const SNAPSHOT_VERSION = 2;
/** The five magic bytes of blkpipe's format. */
export const BLKPIPE_SNAPSHOT_MAGIC: Uint8Array = Uint8Array.of(0x62, 0x6c, 0x6b, 0x70, 0xff);
/** The version of blkpipe's format. */
export const BLKPIPE_SNAPSHOT_VERSION = 1;
/** The two snapshot formats: Bitcoin Core's, blkpipe's (no scripts, base height, checksum). */
export type SnapshotFormat = "core" | "blkpipe";
const HEADER = 5 + 2 + 4 + 32 + 8;
const HEADER_SIZE: Record<SnapshotFormat, number> = { core: HEADER, blkpipe: HEADER + 4 };
const TRAILER = 32;

/** A snapshot that cannot be read: what is wrong, where. */
export class SnapshotError extends Error {
  constructor(file: string, offset: number, what: string) {
    super(`${file}: ${what} (at byte ${offset}); not a usable UTXO snapshot`);
    this.name = "SnapshotError";
  }
}

/** One unspent output as a snapshot holds it (script compressed as Core stores it). */
export interface SnapshotCoin {
  /** Creating transaction, internal byte order. */
  txid: Uint8Array;
  /** Output index. */
  vout: number;
  /** Height of the creating block. */
  height: number;
  /** Created by a coinbase. */
  coinbase: boolean;
  /** Satoshis. */
  value: number;
}

/** What {@link readSnapshot} found. */
export interface SnapshotInfo {
  /** Bitcoin Core's or blkpipe's. */
  format: SnapshotFormat;
  /** Base block height (blkpipe's format records it; Core's does not: null). */
  baseHeight: number | null;
  /** The network its magic names. */
  network: NetworkName;
  /** Format version (2 for Core's, 1 for blkpipe's). */
  version: number;
  /** Base block hash, display hex. */
  baseHash: string;
  /** Coins read (= the header's count). */
  coins: number;
  /** Sum of the coins' values in satoshis. */
  totalAmount: number;
  /** File size. */
  bytes: number;
}

/** Streams the snapshot at `path`, calling `onCoin` per coin (the object is reused). */
export function readSnapshot(path: string, onCoin?: (c: SnapshotCoin) => void): SnapshotInfo {
  const fd = openSync(path, "r");
  let buf = new Uint8Array(1 << 20), start = 0, end = 0, base = 0, eof = false;
  let sha: Hash | null = null, hashed = 0; // blkpipe's: bytes before buf[hashed] are hashed
  const hashTo = (to: number) => {
    sha?.update(buf.subarray(hashed, to));
    hashed = to;
  };
  const fill = (need: number): boolean => {
    while (end - start < need && !eof) {
      if (start > 0) {
        hashTo(start);
        hashed = 0;
        buf.copyWithin(0, start, end);
        end -= start;
        base += start;
        start = 0;
      }
      if (end + need > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, end + need));
        grown.set(buf.subarray(0, end));
        buf = grown;
      }
      const n = readSync(fd, buf, end, buf.length - end, null);
      if (n === 0) eof = true;
      end += n;
    }
    return end - start >= need;
  };
  const at = () => base + start;
  const fail = (what: string): never => {
    throw new SnapshotError(path, at(), what);
  };
  // Per coin nothing is allocated: bytes are read in place and cursors advanced.
  const need = (n: number, what: string) => {
    if (!fill(n)) fail(`cut short in ${what}`);
  };
  const take = (n: number, what: string): Uint8Array => {
    need(n, what);
    const v = buf.subarray(start, start + n);
    start += n;
    return v;
  };
  const skip = (n: number, what: string) => {
    need(n, what);
    start += n;
  };
  const varint = (what: string): number => {
    let n = 0;
    for (;;) {
      need(1, what);
      const ch = buf[start++]!;
      n = n * 128 + (ch & 0x7f);
      if (n > Number.MAX_SAFE_INTEGER) fail(`${what} is too large`);
      if (!(ch & 0x80)) return n;
      n++;
    }
  };
  const compactSize = (what: string): number => {
    need(1, what);
    const first = buf[start++]!;
    if (first < 0xfd) return first;
    const w = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
    need(w, what);
    let n = 0;
    for (let i = w - 1; i >= 0; i--) n = n * 256 + buf[start + i]!;
    start += w;
    return n;
  };
  try {
    const head = take(HEADER, "the header").slice();
    const format: SnapshotFormat | null = SNAPSHOT_MAGIC.every((m, i) => head[i] === m)
      ? "core"
      : BLKPIPE_SNAPSHOT_MAGIC.every((m, i) => head[i] === m)
      ? "blkpipe"
      : null;
    if (!format) fail("wrong magic (expected 'utxo' 0xff or 'blkp' 0xff)");
    const dv = new DataView(head.buffer);
    const version = dv.getUint16(5, true);
    const expected = format === "core" ? SNAPSHOT_VERSION : BLKPIPE_SNAPSHOT_VERSION;
    if (version !== expected) fail(`format version ${version} (this reads version ${expected})`);
    const scripts = format === "core";
    let baseHeight: number | null = null;
    let headHeight: Uint8Array | null = null;
    if (!scripts) {
      headHeight = take(4, "the header").slice();
      baseHeight = new DataView(headHeight.buffer).getUint32(0, true);
      sha = createHash("sha256");
      hashed = start;
    }
    const network = NETWORK_NAMES.find((n) => NETWORKS[n].magic.every((m, i) => head[7 + i] === m));
    if (!network) fail("unknown network magic");
    const count = Number(dv.getBigUint64(43, true));
    const coin: SnapshotCoin = {
      txid: new Uint8Array(32),
      vout: 0,
      height: 0,
      coinbase: false,
      value: 0,
    };
    let coins = 0, total = 0;
    while (coins < count) {
      if (!fill(1)) fail(`cut short: the header says ${count} coins, the file holds ${coins}`);
      need(32, "a txid");
      for (let k = 0; k < 32; k++) coin.txid[k] = buf[start + k]!;
      start += 32;
      const n = compactSize("a coin count");
      if (n === 0 || coins + n > count) {
        fail(`a group of ${n} coins does not fit the header's ${count}`);
      }
      for (let k = 0; k < n; k++) {
        coin.vout = compactSize("a vout");
        const code = varint("a coin's height");
        coin.height = Math.floor(code / 2);
        coin.coinbase = code % 2 === 1;
        coin.value = decompressAmount(varint("an amount"));
        if (scripts) {
          const size = varint("a script");
          skip(
            size < SPECIAL_SCRIPTS ? specialScriptSize(size) : size - SPECIAL_SCRIPTS,
            "a script",
          );
        }
        total += coin.value;
        onCoin?.(coin);
      }
      coins += n;
    }
    if (sha) {
      hashTo(start);
      const digest = sha.update(head).update(headHeight!).digest();
      sha = null;
      const trailer = take(TRAILER, "the checksum");
      if (!digest.equals(trailer)) fail("checksum mismatch: the file is damaged");
    }
    if (fill(1)) fail(`trailing bytes after the last ${scripts ? "coin" : "checksum"}`);
    return {
      format: format!,
      baseHeight,
      network: network!,
      version,
      baseHash: hashToHex(head.subarray(11, 43)),
      coins,
      totalAmount: total,
      bytes: at(),
    };
  } finally {
    closeSync(fd);
  }
}

/** The base block hash (display hex) of a snapshot, from its header alone (not a check of the file). */
export function snapshotBaseHash(path: string): string {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(HEADER);
    if (readSync(fd, head, 0, HEADER, 0) < HEADER) {
      throw new SnapshotError(path, 0, "cut short in the header");
    }
    return hashToHex(head.subarray(11, 43));
  } finally {
    closeSync(fd);
  }
}

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
