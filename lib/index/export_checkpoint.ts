/**
 * Export of an archive's UTXO set in blkpipe's snapshot format
 * (`deno task checkpoint export --format blkpipe`): straight from the chain
 * index's UTXO segments as of its last checkpoint — a k-way merge in key
 * order, which is Core's coin order — with no pass over the archive (the
 * format keeps no scripts). Memory is a few entry chunks per segment
 * whatever the UTXO count; the file is written as `.tmp`, fsynced, its
 * header patched with the final count, renamed.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync } from "node:fs";
import { ARCHIVE_PATHS, parseManifest } from "../archive/manifest.ts";
import { hashFromHex } from "../bytes/hex.ts";
import { Segment } from "../segment/segment.ts";
import { pwriteAll } from "../store/pread.ts";
import { parentOf, syncDir } from "../store/local_store.ts";
import { newXxh64 } from "../hash/xxh64.ts";
import { SnapshotWriter } from "../utxo/snapshot_writer.ts";
import { CHAIN_INDEX_PATHS as P } from "./chain_index_format.ts";
import type { SnapshotExport } from "./export_snapshot.ts";
import { readCurrentSlot } from "./index_slots.ts";
import { forEachLiveCoin } from "./utxo_live.ts";

/** Writes the UTXO set of the archive in `dir` (its index checkpoint) to `out` in blkpipe's format. */
export async function exportUtxoCheckpoint(dir: string, out: string): Promise<SnapshotExport> {
  const slot = readCurrentSlot(dir);
  const manifest = parseManifest(
    Deno.readTextFileSync(`${dir}/${ARCHIVE_PATHS.manifest}`),
    `${dir}/${ARCHIVE_PATHS.manifest}`,
  );
  const xxh = await newXxh64();
  const segs = slot.utxo.segments.map((n) => Segment.openWith(`${dir}/${P.utxoDir}/${n}`, xxh));
  const tmp = `${out}.tmp`;
  const fd = openSync(tmp, "w");
  let size = 0;
  try {
    const w = new SnapshotWriter(manifest.network, hashFromHex(slot.hash), 0, (b) => {
      pwriteAll(fd, b, null);
      size += b.length;
    }, { baseHeight: slot.height });
    const vout = (b: Uint8Array) =>
      ((b[32]! << 24) | (b[33]! << 16) | (b[34]! << 8) | b[35]!) >>> 0;
    forEachLiveCoin(segs, slot.height, (key, created, id) => {
      w.add(key, vout(key), created, id % 2 === 1, Math.floor(id / 2));
    });
    w.end();
    pwriteAll(fd, w.header(), 0); // the final count
    fsyncSync(fd);
    closeSync(fd);
    Deno.renameSync(tmp, out);
    syncDir(parentOf(out));
    return { height: slot.height, baseHash: slot.hash, coins: w.coins, bytes: size };
  } catch (e) {
    try {
      closeSync(fd);
    } catch { /* already closed */ }
    Deno.removeSync(tmp);
    throw e;
  } finally {
    for (const s of segs) s.close();
  }
}
