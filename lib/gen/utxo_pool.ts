/**
 * The generator's spendable outputs, in typed-array slabs (no object per
 * output): txid, output index, value, script kind, height, coinbase flag.
 * Random removal is O(1) (swap with the last entry).
 *
 * @module
 */

/** A growable set of spendable outputs. */
export class UtxoPool {
  /** Number of outputs held. */
  size = 0;
  txids = new Uint8Array(32 * 1024);
  vouts = new Uint32Array(1024);
  values = new Float64Array(1024);
  kinds = new Uint8Array(1024);
  heights = new Uint32Array(1024);
  coinbase = new Uint8Array(1024);

  private grow(): void {
    const cap = this.vouts.length * 2;
    const txids = new Uint8Array(32 * cap);
    txids.set(this.txids);
    this.txids = txids;
    const grow = <T extends Uint32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.vouts = grow(this.vouts);
    this.values = grow(this.values);
    this.kinds = grow(this.kinds);
    this.heights = grow(this.heights);
    this.coinbase = grow(this.coinbase);
  }

  /** Adds output `vout` of the txid at `txids[txidAt..+32)`. */
  add(
    txids: Uint8Array,
    txidAt: number,
    vout: number,
    value: number,
    kind: number,
    height: number,
    isCoinbase: boolean,
  ): void {
    if (this.size === this.vouts.length) this.grow();
    const i = this.size++;
    this.txids.set(txids.subarray(txidAt, txidAt + 32), 32 * i);
    this.vouts[i] = vout;
    this.values[i] = value;
    this.kinds[i] = kind;
    this.heights[i] = height;
    this.coinbase[i] = isCoinbase ? 1 : 0;
  }

  /** Removes entry `i` (the last entry takes its place). */
  remove(i: number): void {
    const last = --this.size;
    if (i === last) return;
    this.txids.copyWithin(32 * i, 32 * last, 32 * last + 32);
    this.vouts[i] = this.vouts[last]!;
    this.values[i] = this.values[last]!;
    this.kinds[i] = this.kinds[last]!;
    this.heights[i] = this.heights[last]!;
    this.coinbase[i] = this.coinbase[last]!;
  }
}
