/**
 * Finds duplicate fixed-width keys (36-byte outpoints, 32-byte txids) among
 * spans of one buffer with an open-addressing table of indices in a
 * Uint32Array — no object or string per key.
 *
 * @module
 */

/** Reusable duplicate detector. */
export class DuplicateKeyFinder {
  private table = new Uint32Array(1024);

  /**
   * Index pair `[first, second]` of the first duplicate among the `count`
   * keys of `width` bytes at `bytes[offsets[i]]`, or null.
   */
  findDuplicate(
    bytes: Uint8Array,
    offsets: Uint32Array,
    count: number,
    width: number,
  ): [number, number] | null {
    let size = this.table.length;
    while (size < count * 2) size *= 2;
    if (size !== this.table.length) this.table = new Uint32Array(size);
    const table = this.table;
    table.fill(0);
    const mask = size - 1;
    for (let i = 0; i < count; i++) {
      const at = offsets[i]!;
      // Keys start with a hash: its first four bytes (mixed with the tail) spread well.
      let h =
        (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) ^
        (bytes[at + width - 4]! * 0x9e3779b1);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) & mask;
      for (;;) {
        const slot = table[h]!;
        if (slot === 0) {
          table[h] = i + 1;
          break;
        }
        const j = slot - 1;
        if (sameKey(bytes, offsets[j]!, at, width)) return [j, i];
        h = (h + 1) & mask;
      }
    }
    return null;
  }
}

function sameKey(b: Uint8Array, x: number, y: number, width: number): boolean {
  for (let k = 0; k < width; k++) if (b[x + k] !== b[y + k]) return false;
  return true;
}
