/**
 * The UTXO set's hot part in memory (Bitcoin Core's dbcache, in typed
 * arrays): an open-addressing hash table over slabs of outputs created
 * since the last flush, plus tombstones for outputs of the store spent since
 * then. Lookups that miss go to the {@link UtxoStore} (sorted segments with
 * bloom filters). {@link flush} writes the cache's net effect — outputs
 * still unspent as adds, spent store outputs as deletes — as one segment
 * and empties the cache but for the youngest outputs it wrote (up to
 * `retainShare` of its capacity), kept clean: most spends are of young
 * outputs (two thirds of mainnet's within a day). Clean entries give way
 * when the cache fills up; what is written, and when, does not depend on
 * them. An output created and spent between flushes never reaches the disk.
 *
 * @module
 */

import type { UtxoStore } from "../segment/utxo_store.ts";
import type { UtxoView } from "./utxo_rules.ts";
import { type CacheTable, touchHinted } from "./cache_warm.ts";
import {
  CLEAN,
  DEAD,
  dropFlagged,
  hashOf,
  heightOf,
  keepYoungest,
  LIVE,
  OVERWRITE,
  REC,
  sortedRecords,
  tableSize,
  TOMBSTONE,
  valueAt,
  wordAt,
} from "./cache_records.ts";
import { OLDEST_FILTER_SHARE, RETAIN_SHARE } from "./cache_shares.ts";

/**
 * Bytes of memory per cached output as the budget counts it: the record, two table slots, and one
 * byte more that the layout before the records took — kept, so that a budget gives the same
 * capacity and the cache flushes where it always did (the same segments, byte for byte).
 */
export const CACHE_BYTES_PER_ENTRY = 36 + 8 + 4 + 1 + 16;

/** A write-back cache over a UTXO store; see the module doc. */
export class UtxoCache implements UtxoView {
  /** Creation height of the output the last {@link get} found. */
  foundHeight = -1;
  /** The entry the last {@link get} found in memory, else −1 (a hint for {@link apply}). */
  lastEntry = -1;
  /** The empty slot the last {@link get}'s key would take, else −1 (a hint for {@link apply}). */
  lastFreeSlot = -1;
  // Views over buffers that shrink and grow with the capacity (a shrunk buffer's pages go back
  // to the system at once; new arrays would leave the old ones to the garbage collector):
  // the records (bytes, their words, their value ids), the table's slots.
  private readonly buffers: [ArrayBuffer, ArrayBuffer];
  private recs = new Uint8Array(0);
  private words = new Int32Array(0);
  private values = new Float64Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  private used = 0;
  /** Outputs (created or spent) between flushes, as sized by {@link refit}. */
  capacity = 0;
  /** Entries flagged {@link CLEAN} (among the first `used`). */
  private cleanLeft = 0;
  /** Records the last write moved to the front to keep (flagged clean after the refit). */
  private kept = 0;

  /**
   * @param maxCapacity outputs (created or spent) between flushes at most
   * @param shareBytes when given, the memory the cache shares with the store's resident part
   *   (the segments' bloom filters and directories, which grow with the UTXO set): the cache
   *   takes what they leave, {@link CACHE_BYTES_PER_ENTRY} per output, between a quarter of
   *   `maxCapacity` and all of it, and below that the oldest segments' filters give way — so
   *   that the process stays flat as the set grows
   * @param retainShare the share of the capacity a flush keeps of the youngest outputs it wrote
   */
  constructor(
    readonly store: UtxoStore,
    readonly maxCapacity: number,
    readonly shareBytes?: number,
    readonly retainShare: number = RETAIN_SHARE,
    /** Whether lookups of keys no segment holds are expected (BIP30 checked): see {@link refit}. */
    public absentLookups = true,
  ) {
    const upTo = (bytes: number) => new ArrayBuffer(0, { maxByteLength: bytes });
    const m = maxCapacity;
    this.buffers = [upTo(REC * m), upTo(8 * tableSize(m))];
    this.refit();
  }

  /**
   * A cache for a memory share (bytes): at most `shareBytes / CACHE_BYTES_PER_ENTRY` outputs,
   * fewer as the store's resident part grows (see the constructor). `absentLookups`: whether
   * lookups of keys no segment holds are expected (false once BIP30 is no longer checked).
   */
  static forShare(store: UtxoStore, shareBytes: number, absentLookups = true): UtxoCache {
    const capacity = Math.floor(shareBytes / CACHE_BYTES_PER_ENTRY);
    return new UtxoCache(store, capacity, shareBytes, RETAIN_SHARE, absentLookups);
  }

  /**
   * Sizes an empty cache for the store as it is now (a no-op while the cache holds entries),
   * first dropping the oldest segments' bloom filters where they would leave the cache less than
   * a quarter ({@link UtxoStore.fitResident}), and the oldest segment's past
   * {@link OLDEST_FILTER_SHARE} unless `absentLookups`. The size is a function of the store's
   * segments and `absentLookups` alone, in steps of 1/16 of `maxCapacity` (the arrays are resized
   * in place only when the step changes). Called by the constructor, by {@link flush} and by
   * {@link checkpoint} after the compaction — where a run resumed from that point sizes it too,
   * so that it flushes where an uninterrupted run did.
   */
  private refit(): void {
    if (this.used > 0) return;
    let c = this.maxCapacity;
    if (this.shareBytes !== undefined) {
      const step = Math.ceil(this.maxCapacity / 16);
      // The store's filters give way before the cache goes below its floor (a quarter); the
      // oldest segment's once the store's part would take an eighth (OLDEST_FILTER_SHARE),
      // unless lookups of absent keys are expected.
      const floor = 4 * step * CACHE_BYTES_PER_ENTRY;
      const oldest = this.absentLookups ? Infinity : this.shareBytes * OLDEST_FILTER_SHARE;
      this.store.fitResident(this.shareBytes - floor, oldest);
      const room = (this.shareBytes - this.store.residentBytes()) / CACHE_BYTES_PER_ENTRY;
      c = Math.min(c, Math.max(4 * step, Math.floor(room / step) * step));
    }
    c = Math.max(1, c);
    if (c !== this.capacity) this.resize(c);
  }

  /** Resizes the empty cache's arrays in place to `c` outputs (0 while a checkpoint compacts). */
  private resize(c: number): void {
    this.capacity = c;
    const size = tableSize(c);
    const [r, sl] = this.buffers;
    r.resize(REC * c);
    sl.resize(8 * size);
    // Fixed-length views (length-tracking ones cost ≈10% of the index's main thread).
    this.recs = new Uint8Array(r, 0, REC * c);
    this.words = new Int32Array(r, 0, (REC / 4) * c);
    this.values = new Float64Array(r, 0, (REC / 8) * c);
    // Per slot: entry + 1 (0: empty), the key's 32-bit hash. The cache is empty: all zero.
    this.slots = new Int32Array(sl, 0, 2 * size);
    this.mask = size - 1;
    this.flushes++; // slots found before are void
  }

  /** Entries in use (created, spent or dead) since the last flush: what the next one writes of. */
  get size(): number {
    return this.used - this.cleanLeft;
  }

  /** Clean entries: outputs the store holds, kept in memory since a flush. */
  get clean(): number {
    return this.cleanLeft;
  }

  /** 32-bit hash of a key (txid ‖ vout BE): see {@link hashOf}. */
  private hash(k: Uint8Array, at: number): number {
    return hashOf(k, at, k[at + 35]! | (k[at + 34]! << 8));
  }

  /**
   * Slot holding the key at `k[at..at+36)`, or ~(the empty slot where it
   * would go). Keys are compared only when the stored hash matches, so a
   * miss touches the slot array alone.
   */
  private slotOf(k: Uint8Array, at: number): number {
    const recs = this.recs, slots = this.slots;
    const h = this.hash(k, at);
    for (let s = h & this.mask;; s = (s + 1) & this.mask) {
      const v = slots[2 * s]!;
      if (v === 0) {
        this.lastHash = h;
        return ~s;
      }
      if (slots[2 * s + 1] !== h) continue;
      const e = REC * (v - 1);
      let i = 0;
      while (i < 36 && recs[e + i] === k[at + i]) i++;
      if (i === 36) return s;
    }
  }

  private lastHash = 0;

  /** The table as the warm-up reads see it (`warmBlock` of cache_warm.ts, before a block's lookups). */
  warmTable(): CacheTable {
    const { slots, recs, words, mask, used } = this;
    return { slots, recs, words, mask, used };
  }

  /** Value id of the unspent output at `key[at..at+36)`, or −1 (see {@link UtxoView}). */
  get(key: Uint8Array, at: number): number {
    const s = this.slotOf(key, at);
    if (s >= 0) {
      const e = this.slots[2 * s]! - 1, word = this.words[wordAt(e)]!, st = word & 3;
      this.lastEntry = e;
      this.lastFreeSlot = -1;
      if (st === TOMBSTONE || st === DEAD) return -1; // spent since the last flush
      this.foundHeight = heightOf(word);
      return this.values[valueAt(e)]!;
    }
    this.lastEntry = -1;
    this.lastFreeSlot = ~s;
    const v = this.store.get(key, at);
    this.foundHeight = this.store.foundHeight;
    return v;
  }

  /**
   * Adds or overwrites the entry of the key at `k[at..at+36)`. `free`: an empty slot a lookup of
   * this key found at the end of its probe chain; still empty, it still is the chain's end (no
   * slot is emptied between flushes), so the probe is skipped.
   */
  private put(
    k: Uint8Array,
    at: number,
    value: number,
    height: number,
    state: number,
    free = -1,
  ): void {
    let s: number;
    if (free >= 0 && this.slots[2 * free] === 0 && this.used < this.capacity) {
      s = ~free;
      this.lastHash = this.hash(k, at);
    } else s = this.slotOf(k, at);
    let e: number;
    if (s >= 0) {
      e = this.slots[2 * s]! - 1; // a spend of a clean entry, an overwrite (BIP30, re-created)
      // Clean: changed, it is one more entry to write, as a store output's change would be (there
      // is room: with a clean entry in the cache, fewer than `capacity` are to write).
      if (this.words[wordAt(e)]! < 0) this.cleanLeft--;
    } else {
      if (this.used === this.capacity) {
        if (this.used - this.cleanLeft < this.capacity) this.dropClean();
        else this.flush();
        s = this.slotOf(k, at);
      }
      s = ~s;
      e = this.used++;
      const recs = this.recs, to = REC * e;
      for (let i = 0; i < 36; i++) recs[to + i] = k[at + i]!;
      this.slots[2 * s] = e + 1;
      this.slots[2 * s + 1] = this.lastHash;
    }
    this.values[valueAt(e)] = value;
    this.words[wordAt(e)] = (height << 2) | state;
  }

  /**
   * One block's effect: outputs created (value ids) and outputs of earlier
   * blocks spent. `overwrites`: the block may re-create unspent outputs
   * (BIP30's two mainnet exceptions) — its outputs, once spent, are written
   * as deletes so that the output they replaced stays gone. `hints`: what
   * this cache's gets for the same block found ({@link UtxoRules}'
   * `deleteHints`, `addHints`; lookups skipped, not trusted blindly).
   */
  apply(
    height: number,
    adds: Uint8Array,
    addValues: ArrayLike<number>,
    deletes: Uint8Array,
    overwrites = false,
    hints?: { deletes: Int32Array; adds: Int32Array },
  ): void {
    const flushes = this.flushes;
    // A flush (when the cache fills up) empties the table, and may size it anew: what was
    // found before it is void, and its arrays are read through `this` after every put.
    const valid = () => hints !== undefined && this.flushes === flushes;
    if (hints) {
      this.touched ^= touchHinted(this.warmTable(), hints, deletes.length / 36, addValues.length);
    }
    for (let d = 0, n = 0; d < deletes.length; d += 36, n++) {
      let e = valid() ? hints!.deletes[2 * n]! : -1;
      if (e < 0 || !this.sameKey(e, deletes, d)) {
        const s = this.slotOf(deletes, d);
        e = s >= 0 ? this.slots[2 * s]! - 1 : -1;
      }
      // Created and spent between flushes: never written.
      const w = wordAt(e);
      if (e >= 0 && (this.words[w]! & (CLEAN | 3)) === LIVE) this.words[w] = this.words[w]! & ~3; // DEAD
      else this.put(deletes, d, 0, height, TOMBSTONE, valid() ? hints!.deletes[2 * n + 1]! : -1);
    }
    const state = overwrites ? OVERWRITE : LIVE;
    for (let i = 0; i < addValues.length; i++) {
      this.put(adds, 36 * i, addValues[i]!, height, state, valid() ? hints!.adds[i]! : -1);
    }
  }

  /** What the hints' warm-up read (kept so that its loads are not optimised away). */
  private touched = 0;

  /** True when entry `e` holds the key at `k[at..at+36)`. */
  private sameKey(e: number, k: Uint8Array, at: number): boolean {
    if (e >= this.used) return false;
    const recs = this.recs, from = REC * e;
    // Compared from the end: outputs of one transaction differ in their last bytes.
    for (let i = 35; i >= 0; i--) if (recs[from + i] !== k[at + i]) return false;
    return true;
  }

  /** Flushes so far (hints taken before one are void). */
  private flushes = 0;

  /**
   * Writes the cache's net effect to the store as one segment and empties
   * the cache. Entries are sorted in place and encoded a chunk at a time:
   * no copy of the cache is made (the budget counts it once). Then sizes the
   * cache anew for the store ({@link refit}).
   */
  flush(): void {
    this.write();
    this.refit();
    this.reinstate();
  }

  /**
   * A checkpoint's part of the UTXO set: {@link flush}, the store's size-tiered compaction
   * (`gcHeight` as for {@link UtxoStore.compactTiered}; when it merges, the cache's arrays are
   * shrunk to nothing meanwhile), then the cache sized for the store as
   * compacted — exactly as a run resumed from this checkpoint sizes it (same flush points after,
   * byte-identical segments).
   */
  checkpoint(gcHeight: number): void {
    this.write();
    // A merge's new bloom filter takes the cache's room meanwhile.
    if (this.store.compactionDue) {
      this.kept = 0;
      this.resize(0);
    }
    this.store.compactTiered(gcHeight);
    this.refit();
    this.reinstate();
  }

  /**
   * The write of {@link flush}: the net effect as one segment, the cache emptied. The records are
   * sorted where they lie (no index order beside them: the budget counts the cache once), which
   * voids the table's slots ({@link reinstate} rebuilds them); should the write fail, the table is
   * rebuilt over the moved records, so the cache still holds what it held.
   */
  private write(): void {
    // Clean entries: the store holds them, nothing to write (no table rebuild: the sort voids it).
    if (this.cleanLeft > 0) this.used = dropFlagged(this.words, this.used);
    this.cleanLeft = 0;
    const n = this.used;
    const { source, live } = sortedRecords(this.recs, this.words, this.values, n);
    try {
      this.store.writeSorted(source, live);
    } catch (err) {
      this.rebuildSlots();
      throw err;
    }
    const limit = Math.floor(this.capacity * this.retainShare);
    this.kept = keepYoungest(this.words, n, limit);
    for (let e = this.kept; e < n; e++) this.words[wordAt(e)] = 0; // DEAD
    this.used = 0;
    this.flushes++;
  }

  /**
   * Flags the records the last write kept (as many as the refitted capacity's share) clean and
   * points the table at them: the one rebuild of the slots a write voided.
   */
  private reinstate(): void {
    const r = Math.min(this.kept, Math.floor(this.capacity * this.retainShare));
    this.kept = 0;
    for (let e = 0, w = wordAt(0); e < r; e++, w += REC / 4) this.words[w] = this.words[w]! | CLEAN;
    this.used = this.cleanLeft = r;
    this.rebuildSlots();
  }

  /** Removes the clean entries (the cache is full of them and entries to write). */
  private dropClean(): void {
    this.used = dropFlagged(this.words, this.used);
    this.cleanLeft = 0;
    this.rebuildSlots();
  }

  /** Points the table's slots at the first `used` records, wherever they now lie. */
  private rebuildSlots(): void {
    this.slots.fill(0);
    this.flushes++; // hints taken before are void
    for (let e = 0; e < this.used; e++) {
      const s = ~this.slotOf(this.recs, REC * e); // keys are unique: an empty slot is found
      this.slots[2 * s] = e + 1;
      this.slots[2 * s + 1] = this.lastHash;
    }
  }
}
