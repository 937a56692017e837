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
import { ByteWriter } from "../bytes/byte_writer.ts";
import { encodeCoin, SnapshotWriter } from "../utxo/utxo_snapshot.ts";
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
    // Spill records: u16 LE length ‖ Core's coin; written a MiB at a time.
    const pending = new ByteWriter(1 << 20);
    let spilled = 0, coins = 0;
    const spillOut = () => {
      writeAll(spill, pending.view());
      spilled += pending.length;
      pending.truncate(0);
    };
    const runs: string[] = [];
    const batch = new EntryBatch(RUN_ENTRY);
    const runMax = options.runEntries ?? 2_000_000;
    const key = new Uint8Array(36), len = new Uint8Array(2);
    const layout = new BlockLayout();
    for (let h = 0; h <= height; h++) {
      const block = await reader.readBlock(h);
      const L = layout.parse(block);
      const ids = computeTxids(L);
      for (let t = 0; t < L.txCount; t++) {
        for (let o = L.txFirstOutput[t]!; o < L.txFirstOutput[t + 1]!; o++) {
          outpointKey(key, 0, ids, 32 * t, o - L.txFirstOutput[t]!);
          if (store.get(key, 0) < 0 || store.foundHeight !== h) continue;
          const at = spilled + pending.length;
          pending.bytes(len); // patched below
          const from = pending.length;
          encodeCoin(
            pending,
            h,
            t === 0,
            L.outputValue(o),
            block.subarray(L.outScript[o]!, L.outScript[o]! + L.outScriptLen[o]!),
          );
          const n = pending.length - from;
          len[0] = n & 255;
          len[1] = n >>> 8;
          pending.patch(from - 2, len);
          const e = batch.reserve(1);
          batch.slab.set(key, e);
          for (let k = 0, v = at; k < 8; k++, v = Math.floor(v / 256)) {
            batch.slab[e + 43 - k] = v % 256;
          }
          batch.count++;
          coins++;
          if (pending.length >= 1 << 20) spillOut();
          if (batch.count >= runMax) {
            runs.push(`${work}/run-${runs.length}.seg`);
            batch.writeSegment(runs.at(-1)!, xxh);
          }
        }
      }
    }
    spillOut();
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
  try {
    const w = new SnapshotWriter(network, baseHash, coins, (b) => {
      writeAll(fd, b);
      size += b.length;
    });
    const coin = new Uint8Array(1 << 16);
    mergeSources(
      runs.map((r) => segmentSource(r)),
      RUN_ENTRY.entryWidth,
      RUN_ENTRY.sortWidth,
      (b, at) => {
        let offset = 0;
        for (let k = 36; k < 44; k++) offset = offset * 256 + b[at + k]!;
        readSync(spill, coin, 0, 2, offset);
        const n = coin[0]! | (coin[1]! << 8);
        readSync(spill, coin, 0, n, offset + 2);
        const vout =
          ((b[at + 32]! << 24) | (b[at + 33]! << 16) | (b[at + 34]! << 8) | b[at + 35]!) >>> 0;
        w.addEncoded(b.subarray(at, at + 32), vout, coin.subarray(0, n));
      },
    );
    w.end();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  Deno.renameSync(tmp, out);
  syncDir(parentOf(out));
  return size;
}

function writeAll(fd: number, b: Uint8Array): void {
  for (let done = 0; done < b.length;) done += writeSync(fd, b, done, b.length - done, null);
}
