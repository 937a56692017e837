/**
 * UTXO snapshot formats: Bitcoin Core's (`dumptxoutset`, format version 2,
 * `src/node/utxo_snapshot.h`) and blkpipe's own — their magics, versions,
 * header sizes, the coin as read, and the error a bad file gives. The
 * layouts are described in `snapshot_reader.ts`; `snapshot_writer.ts`
 * writes them.
 *
 * @module
 */

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
/** Header bytes common to both formats (magic, version, network, base hash, count). */
export const HEADER = 5 + 2 + 4 + 32 + 8;
/** Header size of each format (blkpipe's adds the base height). */
export const HEADER_SIZE: Record<SnapshotFormat, number> = { core: HEADER, blkpipe: HEADER + 4 };
/** blkpipe's trailer: SHA-256 of the coins and the header. */
export const TRAILER = 32;

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
