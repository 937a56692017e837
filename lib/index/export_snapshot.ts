/**
 * Export of an archive's UTXO set as a Bitcoin Core `dumptxoutset` snapshot
 * (`deno task checkpoint export`), at the chain index's last checkpoint.
 *
 * The UTXO set keeps values and heights, not scripts, so the scripts come
 * from the archive, joined in height order without a lookup per output:
 * (1) the index's live coins are written as (height, outpoint) sorted runs;
 * (2) the archive is read in height order beside their merge — only blocks
 * that still hold a live coin are read — and each output whose outpoint is
 * among its block's live coins (binary search; an output BIP30 overwrote
 * is not: its coin has the later height) is encoded as Core's coin into a
 * spill file, its (outpoint, offset) into sorted runs; (3) those runs are
 * merged into Core's order (txid, then vout) and the coins copied out
 * grouped per txid. Memory stays bounded by the run size whatever the UTXO
 * count; the file is written as `.tmp`, fsynced, renamed.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync } from "node:fs";
import { preadExact, pwriteAll } from "../store/pread.ts";
import { ArchiveReader } from "../archive/archive_reader.ts";
import { blockHash } from "../bitcoin/header.ts";
import { BlockLayout } from "../bitcoin/block_layout.ts";
import { computeTxids } from "../bitcoin/txid.ts";
import type { NetworkName } from "../bitcoin/network.ts";
import { hashToHex } from "../bytes/hex.ts";
import { compareBytes, copyBytes, lowerBound } from "../segment/compare.ts";
import { MergeCursor, mergeSources } from "../segment/memory_run.ts";
import { Segment } from "../segment/segment.ts";
import { segmentSource } from "../segment/utxo_merge.ts";
import { grow } from "../bytes/grow.ts";
import { parentOf, syncDir } from "../store/local_store.ts";
import { openStore } from "../store/open_store.ts";
import { newXxh64 } from "../hash/xxh64.ts";
import { outpointKey } from "../utxo/utxo_rules.ts";
import { ByteWriter } from "../bytes/byte_writer.ts";
import { encodeCoin, SnapshotWriter } from "../utxo/snapshot_writer.ts";
import { CHAIN_INDEX_PATHS } from "./chain_index_format.ts";
import { EntryBatch } from "./entry_batch.ts";
import { readCurrentSlot } from "./index_slots.ts";
import { forEachLiveCoin } from "./utxo_live.ts";

/**
 * A sorted-run entry: outpoint key (txid ‖ vout BE) ‖ n ‖ 48 bytes: Core's
 * coin inline when n ≤ 48 (nearly all: a P2TR coin is ≈ 44), else (n = 255)
 * the coin's offset in the spill file (u64 BE) — so the final merge reads
 * runs sequentially instead of the spill file at random.
 */
const RUN_ENTRY = { entryWidth: 85, keyWidth: 36, sortWidth: 36 } as const;
const INLINE = 48, SPILLED = 255;

/** Options of {@link exportSnapshot}. */
export interface ExportOptions {
  /** Entries per sorted run (default 2 M). */
  runEntries?: number;
  /** Coins up to this many bytes ride in the runs (default and maximum 48; less in tests). */
  inlineBytes?: number;
}
/** A live coin by creation: height u32 BE ‖ outpoint key. */
const LIVE_ENTRY = { entryWidth: 40, keyWidth: 40, sortWidth: 40 } as const;

/** What an export wrote. */
export interface SnapshotExport {
  height: number;
  /** Base block hash, display hex. */
  baseHash: string;
  coins: number;
  bytes: number;
}

/** Writes the UTXO set of the archive in `dir` (as of its index checkpoint) to `out` in Core's format. */
export async function exportSnapshot(
  dir: string,
  out: string,
  options: ExportOptions = {},
): Promise<SnapshotExport> {
  const inline = Math.min(INLINE, options.inlineBytes ?? INLINE);
  const slot = readCurrentSlot(dir);
  // A whole-archive pass (Core's format reads nearly every block): chunks' access times stay.
  const reader = await ArchiveReader.open(openStore(dir, { scan: true }));
  const xxh = await newXxh64();
  const utxo = slot.utxo.segments.map((n) =>
    Segment.openWith(`${dir}/${CHAIN_INDEX_PATHS.utxoDir}/${n}`, xxh)
  );
  const work = Deno.makeTempDirSync({ dir: parentOf(out), prefix: ".snapshot-" });
  const opened: Segment[] = [];
  let spill = -1;
  const runMax = options.runEntries ?? 2_000_000;
  const writeRun = (batch: EntryBatch, runs: Segment[]) => {
    const path = `${work}/run-${opened.length}.seg`;
    batch.writeSegment(path, xxh);
    const seg = Segment.openWith(path, xxh);
    opened.push(seg);
    runs.push(seg);
  };
  try {
    const height = Math.min(slot.height, reader.tipHeight);
    // (1) Live coins as (height BE ‖ outpoint), sorted runs.
    const byHeight: Segment[] = [];
    const live = new EntryBatch(LIVE_ENTRY);
    let coins = 0;
    forEachLiveCoin(utxo, height, (key, created) => {
      const e = live.reserve(1), s = live.slab;
      s[e] = created >>> 24;
      s[e + 1] = (created >>> 16) & 255;
      s[e + 2] = (created >>> 8) & 255;
      s[e + 3] = created & 255;
      s.set(key.subarray(0, 36), e + 4);
      live.count++;
      coins++;
      if (live.count >= runMax) writeRun(live, byHeight);
    });
    if (live.count > 0) writeRun(live, byHeight);
    // (2) The archive beside them, block by block.
    spill = openSync(`${work}/coins`, "w+");
    // Coins too long to inline: u16 LE length ‖ Core's coin; written a MiB at a time.
    const pending = new ByteWriter(1 << 20);
    let spilled = 0, found = 0;
    const spillOut = () => {
      pwriteAll(spill, pending.view(), null);
      spilled += pending.length;
      pending.truncate(0);
    };
    const byKey: Segment[] = [];
    const batch = new EntryBatch(RUN_ENTRY);
    const cursor = new MergeCursor(byHeight.map((r) => segmentSource(r)), 40, 40);
    let more = cursor.next();
    let keys = new Uint8Array(36 * 1024);
    const key = new Uint8Array(36), len = new Uint8Array(2), coin = new ByteWriter(256);
    const layout = new BlockLayout();
    while (more) {
      const h = u32be(cursor.bytes, cursor.at);
      let n = 0;
      while (more && u32be(cursor.bytes, cursor.at) === h) {
        if ((n + 1) * 36 > keys.length) keys = grow(keys, (n + 1) * 36);
        keys.set(cursor.bytes.subarray(cursor.at + 4, cursor.at + 40), n++ * 36);
        more = cursor.next();
      }
      const block = await reader.readBlock(h);
      const L = layout.parse(block);
      const ids = computeTxids(L);
      for (let t = 0; t < L.txCount; t++) {
        for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
          outpointKey(key, 0, ids, 32 * t, o - L.txFirstOutput[t]!);
          const i = lowerBound(keys, n, 36, key, 0, 36);
          if (i >= n || compareBytes(keys, i * 36, key, 0, 36) !== 0) continue;
          coin.truncate(0);
          const script = L.outScript[o]!;
          encodeCoin(
            coin,
            h,
            t === 0,
            L.outputValue(o),
            block,
            script,
            script + L.outScriptLen[o]!,
          );
          const e = batch.reserve(1);
          batch.slab.set(key, e);
          if (coin.length <= inline) {
            batch.slab[e + 36] = coin.length;
            copyBytes(batch.slab, e + 37, coin.buffer, 0, coin.length);
          } else {
            batch.slab[e + 36] = SPILLED;
            for (let k = 0, v = spilled + pending.length; k < 8; k++, v = Math.floor(v / 256)) {
              batch.slab[e + 44 - k] = v % 256;
            }
            len[0] = coin.length & 255;
            len[1] = coin.length >>> 8;
            pending.bytes(len).range(coin.buffer, 0, coin.length);
            if (pending.length >= 1 << 20) spillOut();
          }
          batch.count++;
          found++;
          if (batch.count >= runMax) writeRun(batch, byKey);
        }
      }
    }
    spillOut();
    if (found !== coins) {
      throw new Error(
        `${dir}: the chain index lists ${coins} unspent outputs up to height ${height}, the ` +
          `archive's blocks hold ${found} of them: rebuild the index (deno task index)`,
      );
    }
    if (batch.count > 0 || byKey.length === 0) writeRun(batch, byKey);
    // (3) Core's order.
    const baseHash = blockHash(await reader.readBlock(height));
    const bytes = writeSorted(out, byKey, spill, reader.manifest.network, baseHash, coins);
    return { height, baseHash: hashToHex(baseHash), coins, bytes };
  } finally {
    if (spill >= 0) closeSync(spill);
    for (const x of [...opened, ...utxo]) x.close();
    reader.close();
    Deno.removeSync(work, { recursive: true });
  }
}

/** Merges the runs into Core's order and writes the file (tmp, fsync, rename); returns its size. */
function writeSorted(
  out: string,
  runs: Segment[],
  spill: number,
  network: NetworkName,
  baseHash: Uint8Array,
  coins: number,
): number {
  const tmp = `${out}.tmp`;
  const fd = openSync(tmp, "w");
  let size = 0;
  try {
    const w = new SnapshotWriter(network, baseHash, coins, (b) => {
      pwriteAll(fd, b, null);
      size += b.length;
    });
    const coin = new Uint8Array(1 << 16);
    mergeSources(
      runs.map((r) => segmentSource(r)),
      RUN_ENTRY.entryWidth,
      RUN_ENTRY.sortWidth,
      (b, at) => {
        const vout = u32be(b, at + 32);
        const n = b[at + 36]!;
        if (n <= INLINE) {
          w.addEncodedAt(b, at, vout, b, at + 37, at + 37 + n);
          return;
        }
        let offset = 0;
        for (let k = 37; k < 45; k++) offset = offset * 256 + b[at + k]!;
        preadExact(spill, coin.subarray(0, 2), offset, "snapshot spill file");
        const length = coin[0]! | (coin[1]! << 8);
        preadExact(spill, coin.subarray(0, length), offset + 2, "snapshot spill file");
        w.addEncodedAt(b, at, vout, coin, 0, length);
      },
    );
    w.end();
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    Deno.removeSync(tmp);
    throw e;
  }
  closeSync(fd);
  Deno.renameSync(tmp, out);
  syncDir(parentOf(out));
  return size;
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
