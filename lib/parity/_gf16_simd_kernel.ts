/**
 * The GF(2^16) multiply–accumulate as WebAssembly SIMD, emitted at start-up
 * by the project's assembler (no binary committed): `mul_add(dst, src, tab,
 * blocks)` does `dst ^= c·src` over `blocks` runs of 16 little-endian words
 * (32 bytes). Split-nibble method: the words' low and high bytes are
 * de-interleaved (`i8x16.shuffle`), cut into four nibble planes, each looked
 * up in two 16-byte product tables (`i8x16.swizzle`: the low and the high
 * byte of c·(v << 4n)), XORed, re-interleaved and XORed into `dst`.
 *
 * Table layout at `tab` (128 bytes): for nibble n = 0..3 and half h = 0 (low
 * byte), 1 (high byte), 16 bytes at 32n + 16h, entry v = that byte of
 * c·(v << 4n).
 *
 * @module
 */

import { assembleModule, Code, I32, V128 } from "../hash/_wasm_assembler.ts";
import { mulAdd, mulTablesWith } from "./gf16_mac.ts";

const EVEN = Array.from({ length: 16 }, (_, i) => 2 * i);
const ODD = Array.from({ length: 16 }, (_, i) => 2 * i + 1);
const LOW_HALF = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? i / 2 : 16 + (i - 1) / 2));
const HIGH_HALF = LOW_HALF.map((x) => x + 8);

/** The module's bytes, with `pages` 64 KiB pages of memory. */
export function gf16SimdModuleBytes(pages: number): Uint8Array<ArrayBuffer> {
  // params 0 dst, 1 src, 2 tab, 3 blocks; v128 locals 4..11 tables, 12 mask, 13 a, 14 b,
  // 15 lo, 16 hi, 17..20 nibbles, 21 outLo, 22 outHi.
  const [dst, src, tab, n] = [0, 1, 2, 3];
  const t = (k: number) => 4 + k;
  const [mask, a, b, lo, hi] = [12, 13, 14, 15, 16];
  const nib = (k: number) => 17 + k;
  const [ol, oh] = [21, 22];
  const c = new Code();
  for (let k = 0; k < 8; k++) c.get(tab).vload(16 * k).set(t(k));
  c.vconst8(new Array(16).fill(0x0f)).set(mask);
  c.raw(0x02, 0x40).raw(0x03, 0x40); // block, loop
  c.get(n).raw(0x45).raw(0x0d, 1); // if blocks == 0: break
  c.get(src).vload(0).set(a).get(src).vload(16).set(b);
  c.get(a).get(b).shuffle(EVEN).set(lo).get(a).get(b).shuffle(ODD).set(hi);
  c.get(lo).get(mask).and().set(nib(0));
  c.get(lo).i32(4).simd(0x6d).set(nib(1)); // i8x16.shr_u
  c.get(hi).get(mask).and().set(nib(2));
  c.get(hi).i32(4).simd(0x6d).set(nib(3));
  for (const [half, out] of [[0, ol], [1, oh]] as const) {
    for (let k = 0; k < 4; k++) {
      c.get(t(2 * k + half)).get(nib(k)).swizzle();
      if (k > 0) c.xor();
    }
    c.set(out);
  }
  c.get(dst).get(dst).vload(0).get(ol).get(oh).shuffle(LOW_HALF).xor().vstore(0);
  c.get(dst).get(dst).vload(16).get(ol).get(oh).shuffle(HIGH_HALF).xor().vstore(16);
  c.get(src).i32(32).raw(0x6a).set(src); // i32.add
  c.get(dst).i32(32).raw(0x6a).set(dst);
  c.get(n).i32(1).raw(0x6b).set(n); // i32.sub
  c.raw(0x0c, 0); // br loop
  c.raw(0x0b, 0x0b); // end loop, end block
  return assembleModule(pages, [
    { name: "mul_add", params: [I32, I32, I32, I32], locals: [[19, V128]], code: c },
  ]);
}

/** Writes the 128-byte nibble tables of coefficient `c` into `out` at `at` (see the layout). */
export function nibbleTables(
  c: number,
  out: Uint8Array,
  at: number,
  exp: Uint16Array,
  log: Uint16Array,
): void {
  const lc = c === 0 ? -1 : log[c]!;
  for (let k = 0; k < 4; k++) {
    for (let v = 0; v < 16; v++) {
      const p = lc < 0 || v === 0 ? 0 : exp[lc + log[v << (4 * k)]!]!;
      out[at + 32 * k + v] = p & 255;
      out[at + 32 * k + 16 + v] = p >>> 8;
    }
  }
}

/** The exported kernel function. */
export type MulAddFn = (dst: number, src: number, tab: number, blocks: number) => void;

/**
 * `mem[dstOff..] ^= c · mem[srcOff..]` over `width` bytes (a multiple of 4): whole 32-byte blocks
 * in WebAssembly, a tail in TypeScript. `tabOff` holds 128 bytes of scratch for the tables.
 * Self-contained (names only its parameters and the functions shipped with it to workers).
 */
export function simdMulAdd(
  fn: MulAddFn,
  mem: Uint8Array,
  dstOff: number,
  srcOff: number,
  tabOff: number,
  width: number,
  c: number,
  exp: Uint16Array,
  log: Uint16Array,
  scratch: Uint16Array,
): void {
  nibbleTables(c, mem, tabOff, exp, log);
  const blocks = width >>> 5;
  if (blocks > 0) fn(dstOff, srcOff, tabOff, blocks);
  const done = blocks << 5;
  if (done < width) {
    mulTablesWith(c, scratch, exp, log);
    const words = (width - done) / 2;
    mulAdd(
      new Uint16Array(mem.buffer, dstOff + done, words),
      new Uint16Array(mem.buffer, srcOff + done, words),
      scratch,
    );
  }
}

/** A kernel instance whose memory holds at least `bytes` bytes (plus 64 KiB of slack). */
export function simdInstance(wasm: Uint8Array): { fn: MulAddFn; mem: Uint8Array } {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm as BufferSource), {});
  return {
    fn: inst.exports.mul_add as MulAddFn,
    mem: new Uint8Array((inst.exports.memory as WebAssembly.Memory).buffer),
  };
}

/** Pages needed for `bytes` bytes of working memory. */
export function pagesFor(bytes: number): number {
  return Math.ceil((bytes + 65536) / 65536);
}
