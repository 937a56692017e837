/**
 * A least-recently-used map bounded by the summed size of its values (a
 * frame cache, a parse cache, a response cache): a get moves the entry to
 * the recent end; a set evicts from the old end until the total fits again,
 * always keeping the entry just set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteLru } from "./byte_lru.ts";
 * const lru = new ByteLru<string, string>(10);
 * lru.set("a", "aaaa", 4);
 * lru.set("b", "bbbb", 4);
 * lru.get("a"); // "a" is now the most recent
 * lru.set("c", "cccc", 4); // 12 > 10: the oldest ("b") goes
 * assert.deepEqual([lru.get("a"), lru.get("b"), lru.get("c")], ["aaaa", undefined, "cccc"]);
 * ```
 */
export class ByteLru<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  /** Bytes held. */
  used = 0;

  /** Holds up to `maxBytes` (the newest entry is kept even when larger; may be changed later). */
  constructor(public maxBytes: number) {}

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  /** The value for `key` (now the most recent), or undefined. */
  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** Keeps `value` (of `bytes` bytes) as the most recent entry, evicting the oldest past the bound. */
  set(key: K, value: V, bytes: number): void {
    this.delete(key);
    this.map.set(key, { value, bytes });
    this.used += bytes;
    for (const [k, e] of this.map) {
      if (this.used <= this.maxBytes || this.map.size === 1) break;
      this.map.delete(k);
      this.used -= e.bytes;
    }
  }

  /** Drops `key`. */
  delete(key: K): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.used -= e.bytes;
  }

  /** Drops every entry whose key passes `test`. */
  deleteWhere(test: (key: K) => boolean): void {
    for (const k of [...this.map.keys()]) if (test(k)) this.delete(k);
  }

  /** Drops everything. */
  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}
