/**
 * Minimal script push encoding (the data-push opcodes of CScript's
 * `operator<<`), used to build coinbase scripts.
 *
 * @module
 */

/** Bytes pushing `data` onto the script stack with the shortest push opcode. */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  let head: number[];
  if (n < 0x4c) head = [n];
  else if (n <= 0xff) head = [0x4c, n];
  else if (n <= 0xffff) head = [0x4d, n & 255, n >> 8];
  else head = [0x4e, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** Minimal little-endian sign-magnitude encoding of a script number (CScriptNum). */
export function scriptNum(value: number): Uint8Array {
  if (value === 0) return new Uint8Array(0);
  const neg = value < 0;
  let abs = Math.abs(value);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs & 0xff);
    abs = Math.floor(abs / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(neg ? 0x80 : 0);
  else if (neg) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** Script pushing the number `n` as Bitcoin Core's `CScript() << n` does (OP_0, OP_1..16, or data). */
export function pushNumber(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(0x00);
  if (n === -1 || (n >= 1 && n <= 16)) return Uint8Array.of(n === -1 ? 0x4f : 0x50 + n);
  return pushData(scriptNum(n));
}
