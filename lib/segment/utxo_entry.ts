/**
 * The UTXO flavour of segment entries (docs/FORMATS.md): 36-byte outpoint
 * key, inverted big-endian height (newest first), op, 64-bit value id —
 * and the rule that resolves a key's events inside a height window.
 *
 * @module
 */

/** Outpoint key: txid (32) ‖ vout u32 BE. */
export const UTXO_KEY_WIDTH = 36;
/** Key ‖ inverted height ‖ op: unique per event. */
export const UTXO_SORT_WIDTH = 41;
/** Whole entry. */
export const UTXO_ENTRY_WIDTH = 49;
/** Op: output created. */
export const OP_ADD = 0;
/** Op: output spent. */
export const OP_DELETE = 1;
/** {@link resolveUtxo}: no event in the window. */
export const UTXO_ABSENT = -1;
/** {@link resolveUtxo}: the newest event in the window spends the output. */
export const UTXO_SPENT = -2;

/** Writes one entry at `out[at]`. */
export function encodeUtxoEntry(
  out: Uint8Array,
  at: number,
  key: Uint8Array,
  keyAt: number,
  height: number,
  op: number,
  valueId: number,
): void {
  for (let i = 0; i < UTXO_KEY_WIDTH; i++) out[at + i] = key[keyAt + i]!;
  const inv = 0xffffffff - height;
  out[at + 36] = inv >>> 24;
  out[at + 37] = (inv >>> 16) & 255;
  out[at + 38] = (inv >>> 8) & 255;
  out[at + 39] = inv & 255;
  out[at + 40] = op;
  let v = valueId;
  for (let i = 0; i < 8; i++) {
    out[at + 41 + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Height of the entry at `b[at]`. */
export function utxoHeight(b: Uint8Array, at: number): number {
  return 0xffffffff -
    (((b[at + 36]! << 24) | (b[at + 37]! << 16) | (b[at + 38]! << 8) | b[at + 39]!) >>> 0);
}

/** Op of the entry at `b[at]`. */
export function utxoOp(b: Uint8Array, at: number): number {
  return b[at + 40]!;
}

/** Value id of the entry at `b[at]` (exact below 2^53). */
export function utxoValueId(b: Uint8Array, at: number): number {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + b[at + 41 + i]!;
  return v;
}

let resolvedHeight = -1;

/** Creation height of the add the last {@link resolveUtxo} returned. */
export function lastResolvedHeight(): number {
  return resolvedHeight;
}

/**
 * Resolves the `count` events of one key starting at entry `first` of
 * `bytes` (newest first) within heights [since, before): the value id of an
 * unspent add, {@link UTXO_SPENT} when a delete comes first, or
 * {@link UTXO_ABSENT}. An add followed by a delete at the same height cancels.
 */
export function resolveUtxo(
  bytes: Uint8Array,
  first: number,
  count: number,
  since: number,
  before: number,
): number {
  const w = UTXO_ENTRY_WIDTH;
  for (let i = first; i < first + count; i++) {
    const at = i * w;
    const h = utxoHeight(bytes, at);
    if (h < since || h >= before) continue;
    if (utxoOp(bytes, at) === OP_ADD) {
      if (
        i + 1 < first + count && utxoOp(bytes, at + w) === OP_DELETE &&
        utxoHeight(bytes, at + w) === h
      ) {
        i++; // created and spent at the same height: cancelled
        continue;
      }
      resolvedHeight = h;
      return utxoValueId(bytes, at);
    }
    return UTXO_SPENT;
  }
  return UTXO_ABSENT;
}
