/**
 * Appendable files in object storage as fixed-size pieces: the height index
 * and `rejects.jsonl` grow at every resume point, and S3 cannot append, so
 * they are stored as `<key>.pieces/NNNNNNNN` objects of {@link PIECE_BYTES}
 * (piece n holds bytes [n·P, (n+1)·P)); a sync uploads only the pieces that
 * changed (the last one or two) instead of the whole file — for mainnet's
 * ≈115 MB height index, ≈1 MiB per resume point instead of 115 MB.
 *
 * Pieces are uploaded in ascending order before stale ones are deleted and
 * each piece is read back at its own offset, so after a kill at any instant
 * every byte below the last recorded resume point is where it belongs.
 *
 * @module
 */

import { preadExact } from "./pread.ts";
import type { S3Client } from "./s3_client.ts";

/** Piece size. */
export const PIECE_BYTES = 1 << 20;

/** Store paths kept as pieces (everything else is one object). */
export const PIECED_PATHS: ReadonlySet<string> = new Set([
  "index/heights.idx",
  "rejects.jsonl",
  "state/open-frames.bin",
]);

const pieceKey = (key: string, n: number) => `${key}.pieces/${String(n).padStart(8, "0")}`;

/** The pieces of `key`: number → size. */
async function listPieces(client: S3Client, key: string): Promise<Map<number, number>> {
  const r = await client.list(`${key}.pieces/`);
  const out = new Map<number, number>();
  r.keys.forEach((k, i) => {
    const n = Number(k.slice(k.lastIndexOf("/") + 1));
    if (Number.isInteger(n)) out.set(n, r.sizes[i]!);
  });
  return out;
}

/** The end of the last piece, or null without pieces. */
function endOf(pieces: Map<number, number>): number | null {
  let size: number | null = null;
  for (const [n, s] of pieces) size = Math.max(size ?? 0, n * PIECE_BYTES + s);
  return size;
}

/** Size of the pieced file `key` (the end of its last piece), or null when it has none. */
export async function piecedSize(client: S3Client, key: string): Promise<number | null> {
  return endOf(await listPieces(client, key));
}

/** The whole pieced file (each piece at its offset), or null. */
export async function piecedRead(client: S3Client, key: string): Promise<Uint8Array | null> {
  const pieces = await listPieces(client, key);
  const size = endOf(pieces);
  if (size === null) return null;
  const out = new Uint8Array(size);
  for (const n of [...pieces.keys()].sort((a, b) => a - b)) {
    const bytes = await client.get(pieceKey(key, n));
    if (bytes) out.set(bytes.subarray(0, size - n * PIECE_BYTES), n * PIECE_BYTES);
  }
  return out;
}

/** Bytes [offset, offset + length) of the pieced file, fewer at its end, or null when absent. */
export async function piecedReadAt(
  client: S3Client,
  key: string,
  offset: number,
  length: number,
): Promise<Uint8Array | null> {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const at = offset + got, n = Math.floor(at / PIECE_BYTES);
    const within = at - n * PIECE_BYTES;
    const want = Math.min(length - got, PIECE_BYTES - within);
    const bytes = await client.getRange(pieceKey(key, n), within, want);
    if (bytes === null) {
      return got === 0 ? null : out.subarray(0, got);
    }
    out.set(bytes, got);
    got += bytes.length;
    if (bytes.length < want) break;
  }
  return out.subarray(0, got);
}

/**
 * Publishes the local file `local` (`length` bytes, changed from byte
 * `dirtyFrom` on; it had `remoteLength` bytes in the bucket): uploads the
 * pieces from the one holding `dirtyFrom`, then deletes pieces past the end.
 */
export async function piecedPublish(
  client: S3Client,
  key: string,
  fd: number,
  local: string,
  length: number,
  dirtyFrom: number,
  remoteLength: number,
): Promise<void> {
  const last = Math.max(0, Math.ceil(length / PIECE_BYTES) - 1);
  for (let n = Math.floor(Math.min(dirtyFrom, length) / PIECE_BYTES); n <= last; n++) {
    const piece = new Uint8Array(Math.min(PIECE_BYTES, length - n * PIECE_BYTES));
    preadExact(fd, piece, n * PIECE_BYTES, local);
    await client.put(pieceKey(key, n), piece);
  }
  const stale = Math.ceil(remoteLength / PIECE_BYTES) - 1;
  for (let n = last + 1; n <= stale; n++) await client.delete(pieceKey(key, n));
}

/** Deletes every piece of `key`. */
export async function piecedRemove(client: S3Client, key: string): Promise<void> {
  for (const n of (await listPieces(client, key)).keys()) await client.delete(pieceKey(key, n));
}
