/**
 * Export of an archive's UTXO set as a Bitcoin Core `dumptxoutset` snapshot
 * (`deno task checkpoint export`), at the chain index's last checkpoint.
 *
 * The UTXO set keeps values and heights, not scripts, so the archive is
 * scanned in height order: each output still unspent (and created at that
 * height: an output BIP30 overwrote is exported once) is encoded as Core's
 * coin into a spill file, and its (outpoint, offset) into sorted runs of
 * bounded size; the runs are merged into Core's order (txid, then vout) and
 * the coins copied out grouped per txid. Memory stays bounded by the run
 * size whatever the UTXO count; the file is written as `.tmp`, fsynced,
 * renamed.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { ArchiveReader } from "../archive/archive_reader.ts";
import { blockHash } from "../bitcoin/header.ts";
import { BlockLayout } from "../bitcoin/block_layout.ts";
import { computeTxids } from "../bitcoin/txid.ts";
import type { NetworkName } from "../bitcoin/network.ts";
import { hashToHex } from "../bytes/hex.ts";
import { mergeSources } from "../segment/memory_run.ts";
import { Segment } from "../segment/segment.ts";
import { segmentSource } from "../segment/utxo_merge.ts";
import { UtxoStore } from "../segment/utxo_store.ts";
import { parentOf, syncDir } from "../store/local_store.ts";
import { newXxh64 } from "../hash/xxh64.ts";
import { outpointKey } from "../utxo/utxo_rules.ts";
import {
  compressAmount,
  compressScript,
  SPECIAL_SCRIPTS,
  writeVarInt,
} from "../utxo/core_compress.ts";
import { SnapshotWriter } from "../utxo/core_snapshot.ts";
import { CHAIN_INDEX_PATHS } from "./chain_index_format.ts";
import { EntryBatch } from "./entry_batch.ts";
import { readCurrentSlot } from "./index_slots.ts";

/** A sorted-run entry: outpoint key (txid ‖ vout BE) ‖ offset of the coin in the spill file (u64 BE). */
const RUN_ENTRY = { entryWidth: 44, keyWidth: 36, sortWidth: 36 } as const;

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
  options: { runEntries?: number } = {},
): Promise<SnapshotExport> {
  const slot = readCurrentSlot(dir);
  const reader = await ArchiveReader.open(dir);
  const store = await UtxoStore.open(`${dir}/${CHAIN_INDEX_PATHS.utxoDir}`, { managed: slot.utxo });
  const work = Deno.makeTempDirSync({ dir: parentOf(out), prefix: ".snapshot-" });
  const xxh = await newXxh64();
  try {
    const height = Math.min(slot.height, reader.tipHeight);
    const spill = openSync(`${work}/coins`, "w+");
    let spillAt = 0, coins = 0;
    const runs: string[] = [];
    const batch = new EntryBatch(RUN_ENTRY);
    const runMax = options.runEntries ?? 2_000_000;
    const key = new Uint8Array(36);
    const layout = new BlockLayout();
    for (let h = 0; h <= height; h++) {
      const block = await reader.readBlock(h);
      const L = layout.parse(block);
      const ids = computeTxids(L);
      for (let t = 0; t < L.txCount; t++) {
        for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
          const vout = o - L.txFirstOutput[t]!;
          outpointKey(key, 0, ids, 32 * t, vout);
          if (store.get(key, 0) < 0 || store.foundHeight !== h) continue;
          const c: number[] = [];
          writeVarInt(c, h * 2 + (t === 0 ? 1 : 0));
          writeVarInt(c, compressAmount(L.outputValue(o)));
          const script = block.subarray(L.outScript[o]!, L.outScript[o]! + L.outScriptLen[o]!);
          const compressed = compressScript(script);
          if (compressed) c.push(...compressed);
          else {
            writeVarInt(c, script.length + SPECIAL_SCRIPTS);
            for (const b of script) c.push(b);
          }
          const rec = new Uint8Array(2 + c.length);
          new DataView(rec.buffer).setUint16(0, c.length, true);
          rec.set(c, 2);
          writeSync(spill, rec, 0, rec.length, spillAt);
          const at = batch.reserve(1);
          batch.slab.set(key, at);
          new DataView(batch.slab.buffer).setBigUint64(at + 36, BigInt(spillAt), false);
          batch.count++;
          spillAt += rec.length;
          coins++;
          if (batch.count >= runMax) {
            runs.push(`${work}/run-${runs.length}.seg`);
            batch.writeSegment(runs.at(-1)!, xxh);
          }
        }
      }
    }
    if (batch.count > 0 || runs.length === 0) {
      runs.push(`${work}/run-${runs.length}.seg`);
      batch.writeSegment(runs.at(-1)!, xxh);
    }
    const baseHash = blockHash(await reader.readBlock(height));
    const segs = runs.map((r) => Segment.openWith(r, xxh));
    try {
      const bytes = writeSorted(out, segs, spill, reader.manifest.network, baseHash, coins);
      return { height, baseHash: hashToHex(baseHash), coins, bytes };
    } finally {
      for (const x of segs) x.close();
      closeSync(spill);
    }
  } finally {
    store.close();
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
  const pending: number[] = [...new SnapshotWriter(network, baseHash, coins).bytes()];
  const flush = () => {
    const b = Uint8Array.from(pending);
    for (let done = 0; done < b.length;) done += writeSync(fd, b, done, b.length - done, null);
    size += b.length;
    pending.length = 0;
  };
  let group: Uint8Array | null = null;
  let members: Array<[number, Uint8Array]> = [];
  const len = new Uint8Array(2);
  const endGroup = () => {
    if (!group) return;
    pending.push(...group);
    compactSize(pending, members.length);
    for (const [vout, coin] of members) {
      compactSize(pending, vout);
      for (const b of coin) pending.push(b);
    }
    members = [];
    if (pending.length > 1 << 20) flush();
  };
  try {
    mergeSources(runs.map((r) => segmentSource(r)), 44, 36, (b, at) => {
      const txid = b.subarray(at, at + 32);
      if (!group || !group.every((x, i) => x === txid[i])) {
        endGroup();
        group = txid.slice();
      }
      const dv = new DataView(b.buffer, b.byteOffset + at, 44);
      const offset = Number(dv.getBigUint64(36, false));
      readSync(spill, len, 0, 2, offset);
      const coin = new Uint8Array(len[0]! | (len[1]! << 8));
      readSync(spill, coin, 0, coin.length, offset + 2);
      members.push([dv.getUint32(32, false), coin]);
    });
    endGroup();
    flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  Deno.renameSync(tmp, out);
  syncDir(parentOf(out));
  return size;
}

function compactSize(out: number[], n: number): void {
  if (n < 0xfd) out.push(n);
  else if (n <= 0xffff) out.push(0xfd, n & 255, n >>> 8);
  else out.push(0xfe, n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
}
