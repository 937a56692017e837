/**
 * Emits the WebAssembly SHA-256 kernel: four messages hashed at once, one
 * per i32x4 lane (FIPS 180-4 §6.2, rounds fully unrolled).
 *
 * Exported function `hash_jobs(table, count, double)`: `table` points at
 * `count` job records (count a multiple of 4) of three u32 each:
 * `[ptr, nblocks, out]` — `ptr` is a message already padded to `nblocks`
 * 64-byte blocks, `out` receives the 32-byte digest. Jobs are taken four at
 * a time; lanes with fewer blocks keep their state once done (masking), so
 * callers group jobs of similar length. With `double` ≠ 0 the digest is
 * hashed again (Bitcoin's double SHA-256) without leaving the registers.
 *
 * @module
 */

import { assembleModule, Code, I32, V128 } from "./_wasm_assembler.ts";

const K = [
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
];
const IV = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

// Local indices: params, then i32 locals, then v128 locals.
const TABLE = 0, COUNT = 1, DOUBLE = 2;
const END = 3, KB = 4, MAXN = 5, ADDR = 6;
const P = [7, 8, 9, 10], N = [11, 12, 13, 14], O = [15, 16, 17, 18];
const I32_LOCALS = 16;
const V0 = 19;
const S = range(V0, 8), R = range(V0 + 8, 8), W = range(V0 + 16, 16);
const NVEC = V0 + 32, MASK = V0 + 33, T1 = V0 + 34, T2 = V0 + 35;
const L = range(V0 + 36, 4), U = range(V0 + 40, 4);
const V128_LOCALS = 44;

const BSWAP32 = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

function range(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

/** Byte indices for an i8x16.shuffle picking i32 lanes (0-3 first, 4-7 second operand). */
function lanes32(l: number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

function rotr(c: Code, x: number, n: number): void {
  c.get(x).i32(n).shrU().get(x).i32(32 - n).shl().or();
}

/** Pushes rotr(x,a) ^ rotr(x,b) ^ (rotr or shr)(x,d). */
function sigma(c: Code, x: number, a: number, b: number, d: number, shiftLast: boolean): void {
  rotr(c, x, a);
  rotr(c, x, b);
  c.xor();
  if (shiftLast) c.get(x).i32(d).shrU();
  else rotr(c, x, d);
  c.xor();
}

/** dst[i] = lane-transpose of src (4×4 matrix of u32). */
function transpose(c: Code, src: number[], dst: number[], tmp: number[]): void {
  const [a, b, cc, d] = src as [number, number, number, number];
  c.get(a).get(b).shuffle(lanes32([0, 4, 1, 5])).set(tmp[0]!);
  c.get(a).get(b).shuffle(lanes32([2, 6, 3, 7])).set(tmp[1]!);
  c.get(cc).get(d).shuffle(lanes32([0, 4, 1, 5])).set(tmp[2]!);
  c.get(cc).get(d).shuffle(lanes32([2, 6, 3, 7])).set(tmp[3]!);
  c.get(tmp[0]!).get(tmp[2]!).shuffle(lanes32([0, 1, 4, 5])).set(dst[0]!);
  c.get(tmp[0]!).get(tmp[2]!).shuffle(lanes32([2, 3, 6, 7])).set(dst[1]!);
  c.get(tmp[1]!).get(tmp[3]!).shuffle(lanes32([0, 1, 4, 5])).set(dst[2]!);
  c.get(tmp[1]!).get(tmp[3]!).shuffle(lanes32([2, 3, 6, 7])).set(dst[3]!);
}

/** 64 rounds on W with state S; S += working vars (only in MASK lanes if masked). */
function compress(c: Code, masked: boolean): void {
  for (let i = 0; i < 8; i++) c.get(S[i]!).set(R[i]!);
  for (let i = 0; i < 64; i++) {
    const v = (x: number) => R[(x - i + 64) & 7]!;
    const w = W[i & 15]!;
    if (i >= 16) {
      // W[i] = σ1(W[i-2]) + W[i-7] + σ0(W[i-15]) + W[i-16]
      sigma(c, W[(i - 2) & 15]!, 17, 19, 10, true);
      c.get(W[(i - 7) & 15]!).add();
      sigma(c, W[(i - 15) & 15]!, 7, 18, 3, true);
      c.add().get(w).add().set(w);
    }
    // T1 = h + Σ1(e) + Ch(e,f,g) + K[i] + W[i]
    c.get(v(7));
    sigma(c, v(4), 6, 11, 25, false);
    c.add();
    c.get(v(5)).get(v(6)).get(v(4)).bitselect().add();
    c.vconst32(K[i]!).get(w).add().add().set(T1);
    // T2 = Σ0(a) + Maj(a,b,c)
    sigma(c, v(0), 2, 13, 22, false);
    c.get(v(0)).get(v(1)).get(v(1)).get(v(2)).xor().bitselect().add().set(T2);
    c.get(v(3)).get(T1).add().set(v(3));
    c.get(T1).get(T2).add().set(v(7));
  }
  for (let i = 0; i < 8; i++) {
    c.get(S[i]!).get(R[i]!).add();
    if (masked) c.get(S[i]!).get(MASK).bitselect();
    c.set(S[i]!);
  }
}

function setIV(c: Code): void {
  for (let i = 0; i < 8; i++) c.vconst32(IV[i]!).set(S[i]!);
}

function body(): Code {
  const c = new Code();
  c.get(TABLE).get(COUNT).i32(12).raw(0x6c).raw(0x6a).set(END);
  c.raw(0x02, 0x40); // block $exit
  c.raw(0x03, 0x40); // loop $groups
  c.get(TABLE).get(END).raw(0x4f).raw(0x0d, 1); // br_if $exit when table >= end
  for (let j = 0; j < 4; j++) {
    c.get(TABLE).load32(12 * j).set(P[j]!);
    c.get(TABLE).load32(12 * j + 4).set(N[j]!);
    c.get(TABLE).load32(12 * j + 8).set(O[j]!);
  }
  // maxn = max(n0..n3); nvec = (n0, n1, n2, n3)
  c.get(N[0]!).set(MAXN);
  for (let j = 1; j < 4; j++) {
    c.get(N[j]!).get(MAXN).get(N[j]!).get(MAXN).raw(0x4b).raw(0x1b).set(MAXN);
  }
  c.get(N[0]!).splat();
  for (let j = 1; j < 4; j++) c.get(N[j]!).replaceLane(j);
  c.set(NVEC);
  setIV(c);
  c.i32(0).set(KB);
  c.raw(0x02, 0x40); // block $done
  c.raw(0x03, 0x40); // loop $blocks
  c.get(KB).get(MAXN).raw(0x4f).raw(0x0d, 1);
  // Load block KB of each lane (lanes already done re-read their first block).
  for (let j = 0; j < 4; j++) {
    c.get(P[j]!).get(KB).i32(6).raw(0x74).raw(0x6a);
    c.get(P[j]!);
    c.get(KB).get(N[j]!).raw(0x49);
    c.raw(0x1b).set(ADDR);
    for (let q = 0; q < 4; q++) {
      // lane j, words 4q..4q+3 (big-endian) → U[q] of lane j; stash per lane in W slots.
      c.get(ADDR).vload(16 * q).vconst8(BSWAP32).swizzle().set(W[4 * q + j]!);
    }
  }
  // W[4q+j] now holds lane j's words 4q..4q+3; transpose each quad in place.
  for (let q = 0; q < 4; q++) {
    const quad = [W[4 * q]!, W[4 * q + 1]!, W[4 * q + 2]!, W[4 * q + 3]!];
    transpose(c, quad, L, U);
    for (let i = 0; i < 4; i++) c.get(L[i]!).set(quad[i]!);
  }
  c.get(KB).splat().get(NVEC).ltS().set(MASK);
  compress(c, true);
  c.get(KB).i32(1).raw(0x6a).set(KB);
  c.raw(0x0c, 0); // br $blocks
  c.raw(0x0b, 0x0b); // end loop, end block
  // Second SHA-256 over the 32-byte digest: one block, message words = state words.
  c.get(DOUBLE).raw(0x04, 0x40);
  for (let i = 0; i < 8; i++) c.get(S[i]!).set(W[i]!);
  c.vconst32(0x80000000).set(W[8]!);
  for (let i = 9; i < 15; i++) c.vconst32(0).set(W[i]!);
  c.vconst32(256).set(W[15]!);
  setIV(c);
  compress(c, false);
  c.raw(0x0b);
  // Store digests: transpose state back to per-lane words, big-endian bytes.
  transpose(c, S.slice(0, 4), L, U);
  for (let j = 0; j < 4; j++) c.get(O[j]!).get(L[j]!).vconst8(BSWAP32).swizzle().vstore(0);
  transpose(c, S.slice(4, 8), L, U);
  for (let j = 0; j < 4; j++) c.get(O[j]!).get(L[j]!).vconst8(BSWAP32).swizzle().vstore(16);
  c.get(TABLE).i32(48).raw(0x6a).set(TABLE);
  c.raw(0x0c, 0); // br $groups
  c.raw(0x0b, 0x0b); // end loop, end block
  return c;
}

/** Bytes of the 32-byte record of one message that `pad_jobs` lays out (eight u32). */
export const PAD_SPEC_BYTES = 32;

/**
 * `pad_jobs(specs, count)`: lays out `count` messages for `hash_jobs` in one call (a
 * `copyWithin` and a `fill` per message from JavaScript cost ≈3.5% of a block's checks). Each
 * record is `[dst, from0, len0, from1, len1, from2, len2, end]`: the three spans are copied to
 * `dst` one after the other (bulk `memory.copy`), then the 0x80 byte, zeros up to `end - 4` and
 * the message's length in bits as a big-endian u32 at `end - 4` (messages here are far below 512
 * MiB, so the length's high word is zero). `end - dst` is the padded size, a multiple of 64.
 */
function padBody(): Code {
  const SPECS = 0, CNT = 1, STOP = 2, D = 3, START = 4, E4 = 5, BITS = 6;
  const c = new Code();
  c.get(SPECS).get(CNT).i32(PAD_SPEC_BYTES).raw(0x6c).raw(0x6a).set(STOP);
  c.raw(0x02, 0x40); // block $exit
  c.raw(0x03, 0x40); // loop $jobs
  c.get(SPECS).get(STOP).raw(0x4f).raw(0x0d, 1); // br_if $exit when specs >= stop
  c.get(SPECS).load32(0).tee(START).set(D);
  for (let k = 0; k < 3; k++) {
    c.get(D).get(SPECS).load32(4 + 8 * k).get(SPECS).load32(8 + 8 * k);
    c.raw(0xfc, 0x0a, 0x00, 0x00); // memory.copy
    c.get(D).get(SPECS).load32(8 + 8 * k).raw(0x6a).set(D);
  }
  c.get(D).get(START).raw(0x6b).i32(3).raw(0x74).set(BITS);
  c.get(SPECS).load32(28).i32(4).raw(0x6b).set(E4);
  c.get(D).i32(0x80).raw(0x3a, 0x00, 0x00); // i32.store8
  c.get(D).i32(1).raw(0x6a).i32(0).get(E4).get(D).i32(1).raw(0x6a).raw(0x6b);
  c.raw(0xfc, 0x0b, 0x00); // memory.fill
  for (let b = 0; b < 4; b++) {
    c.get(E4).get(BITS);
    if (b < 3) c.i32(24 - 8 * b).raw(0x76); // i32.shr_u
    c.raw(0x3a, 0x00, b); // i32.store8 offset b
  }
  c.get(SPECS).i32(PAD_SPEC_BYTES).raw(0x6a).set(SPECS);
  c.raw(0x0c, 0); // br $jobs
  c.raw(0x0b, 0x0b); // end loop, end block
  return c;
}

/** The kernel module's bytes (memory starts at `pages` 64 KiB pages). */
export function sha256x4ModuleBytes(pages = 17): Uint8Array<ArrayBuffer> {
  return assembleModule(pages, [{
    name: "hash_jobs",
    params: [I32, I32, I32],
    locals: [[I32_LOCALS, I32], [V128_LOCALS, V128]],
    code: body(),
  }, {
    name: "pad_jobs",
    params: [I32, I32],
    locals: [[5, I32]],
    code: padBody(),
  }]);
}
