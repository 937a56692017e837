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
 * checks it parses exactly to its end; `SnapshotWriter` (`snapshot_writer.ts`)
 * writes either.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { NETWORK_NAMES, type NetworkName, NETWORKS } from "../bitcoin/network.ts";
import { hashToHex } from "../bytes/hex.ts";
import { decompressAmount, SPECIAL_SCRIPTS, specialScriptSize } from "./core_compress.ts";
import {
  BLKPIPE_SNAPSHOT_MAGIC,
  BLKPIPE_SNAPSHOT_VERSION,
  HEADER,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  type SnapshotCoin,
  SnapshotError,
  type SnapshotFormat,
  TRAILER,
} from "./snapshot_format.ts";

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
