/**
 * Two small open-addressing tables the chain-wide rules reset per block,
 * kept in typed arrays (no object per entry): txids of the block's earlier
 * transactions, and outpoints of earlier blocks the block already spent.
 * Keys are SHA-256d output, so their first four bytes are a fine hash.
 *
 * @module
 */

function slotsFor(n: number): number {
  let size = 16;
  while (size < 2 * n) size *= 2;
  return size;
}

function hash32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** txid → index of a transaction in the block (only those inserted so far). */
export class TxidTable {
  private slots = new Int32Array(16);
  private mask = 15;
  private txids: Uint8Array = new Uint8Array(0);

  /** Empties the table for a block of `count` transactions whose txids are in `txids` (32 bytes each). */
  reset(count: number, txids: Uint8Array): void {
    const size = slotsFor(count);
    if (size > this.slots.length) this.slots = new Int32Array(size);
    else this.slots.fill(0, 0, size);
    this.mask = size - 1;
    this.txids = txids;
  }

  /** Makes transaction `t` findable. */
  insert(t: number): void {
    let s = hash32(this.txids, 32 * t) & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = t + 1;
  }

  /** Index of the inserted transaction whose txid is `b[at..at+32)`, or −1. */
  find(b: Uint8Array, at: number): number {
    let s = hash32(b, at) & this.mask;
    for (let v = this.slots[s]!; v !== 0; s = (s + 1) & this.mask, v = this.slots[s]!) {
      const from = 32 * (v - 1);
      let i = 0;
      while (i < 32 && this.txids[from + i] === b[at + i]) i++;
      if (i === 32) return v - 1;
    }
    return -1;
  }
}

/** A set of 36-byte outpoints, each stored as its offset into one byte array (the block). */
export class OutpointTable {
  private slots = new Int32Array(16);
  private mask = 15;
  private bytes: Uint8Array = new Uint8Array(0);

  /** Empties the table for up to `count` outpoints. */
  reset(count: number): void {
    const size = slotsFor(count);
    if (size > this.slots.length) this.slots = new Int32Array(size);
    else this.slots.fill(0, 0, size);
    this.mask = size - 1;
  }

  private slotOf(b: Uint8Array, at: number): number {
    let s = (hash32(b, at) ^ Math.imul(hash32(b, at + 32), 0x9e3779b1)) & this.mask;
    for (let v = this.slots[s]!; v !== 0; s = (s + 1) & this.mask, v = this.slots[s]!) {
      const from = v - 1;
      let i = 0;
      while (i < 36 && this.bytes[from + i] === b[at + i]) i++;
      if (i === 36) return s;
    }
    return ~s;
  }

  /** True when the outpoint at `b[at..at+36)` was inserted (`b` is the block every key lives in). */
  has(b: Uint8Array, at: number): boolean {
    this.bytes = b;
    return this.slotOf(b, at) >= 0;
  }

  /** Records the outpoint at `b[at..at+36)`. */
  insert(b: Uint8Array, at: number): void {
    this.bytes = b;
    const s = this.slotOf(b, at);
    if (s < 0) this.slots[~s] = at + 1;
  }
}
