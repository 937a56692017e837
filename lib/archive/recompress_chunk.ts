/**
 * Rewrites a sealed chunk at another zstd level: frame by frame, the same
 * frame boundaries (so every height-index record stays valid), the same
 * decompressed bytes and checksums, a new seek table. The new file is
 * written beside the chunk as `NNNNN.blk.zst.recompress`; the caller records
 * the new manifest entry and then calls {@link installRecompressed}.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Store } from "../store/store.ts";
import { CompressPool } from "./compress_pool.ts";
import { newXxh64, verifyFrame } from "./frame_codec.ts";
import type { ChunkEntry } from "./manifest.ts";
import { readChunkTable } from "./read_seek_table.ts";
import { encodeSeekTable, type SeekEntry } from "./seek_table.ts";

/** Suffix of a recompressed chunk waiting to be moved into place. */
export const RECOMPRESS_SUFFIX = ".recompress";

/** Writes `entry`'s chunk at `level` beside it; returns the entry the new file would have. */
export async function recompressChunk(
  store: Store,
  entry: ChunkEntry,
  level: number,
  workers = 2,
): Promise<ChunkEntry> {
  const table = await readChunkTable(store, entry.file);
  const xxh = await newXxh64();
  const out = await store.openAppend(entry.file + RECOMPRESS_SUFFIX, 0);
  const sha = createHash("sha256");
  const pool = new CompressPool(workers, level);
  const frames: SeekEntry[] = [];
  let storedBytes = 0;
  try {
    const pending: Array<Promise<{ frame: Uint8Array; checksum: number; raw: Uint8Array }>> = [];
    const drain = async () => {
      const c = await pending.shift()!;
      out.append(c.frame);
      sha.update(c.frame);
      frames.push({ compressed: c.frame.length, decompressed: c.raw.length, checksum: c.checksum });
    };
    for (let i = 0; i < table.entries.length; i++) {
      const e = table.entries[i]!;
      const bytes = await store.readAt(entry.file, table.offsets[i]!, e.compressed);
      const raw = verifyFrame(bytes, e, xxh, {
        file: store.describe(entry.file),
        frame: i,
        offset: table.offsets[i]!,
      });
      const p = pool.compress(raw.slice());
      p.catch(() => {});
      pending.push(p);
      if (pending.length >= 4 * workers) await drain();
    }
    while (pending.length > 0) await drain();
    frames.forEach((f, i) => {
      if (f.checksum !== table.entries[i]!.checksum) {
        throw new Error(`frame ${i} of ${entry.file} changed while recompressing`);
      }
    });
    const seek = encodeSeekTable(frames);
    out.append(seek);
    sha.update(seek);
    await out.sync();
    storedBytes = out.length;
  } catch (e) {
    out.close();
    await store.remove(entry.file + RECOMPRESS_SUFFIX);
    throw e;
  } finally {
    pool.close();
  }
  out.close();
  return {
    ...entry,
    storedBytes,
    sha256: sha.digest("hex"),
    level,
  };
}

/** Moves a recompressed chunk into place (after its entry is recorded). */
export function installRecompressed(store: Store, entry: ChunkEntry): Promise<void> {
  return store.rename(entry.file + RECOMPRESS_SUFFIX, entry.file);
}
