/**
 * The txid index's entries and txnum.idx (inside the archive's `index/`;
 * the other chain-index files are in chain_index_format.ts):
 *
 * ```text
 * index/txnum.idx          header (16 bytes): magic "BLKPTXN1", startHeight u32 LE, reserved u32
 *                          then per height: first tx number u64 LE (transactions numbered in
 *                          chain order from 0 at startHeight)
 * index/txid-NNNNNN.seg    segments (docs/FORMATS.md) of 12-byte entries sorted by all 12 bytes:
 *                          txid[0..6) (internal byte order) ‖ tx number u48 BE; key = 6 bytes
 * ```
 *
 * A lookup reads the candidates of a txid's 6-byte prefix, maps each tx number to its height by
 * binary search in txnum.idx, and confirms the full txid by hashing the transaction read from the
 * archive (prefix collisions are expected at mainnet scale and cost one extra read).
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";

/** Paths of the txid index inside an archive. */
export const TXID_INDEX_PATHS = { txnum: "index/txnum.idx" } as const;

/** txnum.idx header size. */
export const TXNUM_HEADER_SIZE = 16;
/** Bytes per height in txnum.idx. */
export const TXNUM_RECORD_SIZE = 8;
/** Segment entry layout (the segment writer's options). */
export const TXID_ENTRY = { entryWidth: 12, keyWidth: 6, sortWidth: 12 } as const;
const MAGIC = new TextEncoder().encode("BLKPTXN1");

/** The txnum.idx header. */
export function encodeTxnumHeader(startHeight: number): Uint8Array {
  const out = new Uint8Array(TXNUM_HEADER_SIZE);
  out.set(MAGIC);
  new DataView(out.buffer).setUint32(8, startHeight, true);
  return out;
}

/** Start height from a txnum.idx header; throws for anything else. */
export function decodeTxnumHeader(b: Uint8Array, file: string): number {
  if (b.length < TXNUM_HEADER_SIZE || MAGIC.some((m, i) => b[i] !== m)) {
    throw new CorruptDataError("bad-txnum-index", "not a blkpipe txnum index", {
      file,
      offset: 0,
      field: "magic",
    });
  }
  return new DataView(b.buffer, b.byteOffset).getUint32(8, true);
}

/** Writes one segment entry at `out[at]`: the prefix of the txid at `txids[from]`, then `txnum`. */
export function encodeTxidEntry(
  out: Uint8Array,
  at: number,
  txids: Uint8Array,
  from: number,
  txnum: number,
): void {
  for (let i = 0; i < 6; i++) out[at + i] = txids[from + i]!;
  let n = txnum;
  for (let i = 11; i >= 6; i--) {
    out[at + i] = n % 256;
    n = Math.floor(n / 256);
  }
}

/** The tx number of the entry at `b[at]`. */
export function txnumOf(b: Uint8Array, at: number): number {
  let n = 0;
  for (let i = 6; i < 12; i++) n = n * 256 + b[at + i]!;
  return n;
}
