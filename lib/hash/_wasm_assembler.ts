/**
 * A tiny WebAssembly binary writer: just enough to emit the SHA-256 kernel
 * (one memory, exported functions, i32 and v128 locals, structured control
 * flow, the SIMD instructions we use). Opcodes follow the WebAssembly core
 * spec 2.0 binary format (§5.4) and its SIMD section.
 *
 * @module
 */

/** Value types (spec §5.3.1). */
export const I32 = 0x7f;
/** The 128-bit SIMD value type. */
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  n |= 0;
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

/** Instruction emitter for one function body. */
export class Code {
  /** Emitted bytes. */
  readonly bytes: number[] = [];

  /** Raw bytes. */
  raw(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  /** `local.get`. */
  get(i: number): this {
    return this.raw(0x20, ...uleb(i));
  }
  /** `local.set`. */
  set(i: number): this {
    return this.raw(0x21, ...uleb(i));
  }
  /** `local.tee`. */
  tee(i: number): this {
    return this.raw(0x22, ...uleb(i));
  }
  /** `i32.const`. */
  i32(n: number): this {
    return this.raw(0x41, ...sleb(n));
  }
  /** `i32.load` with byte offset. */
  load32(offset = 0): this {
    return this.raw(0x28, 2, ...uleb(offset));
  }
  /** A 0xFD-prefixed SIMD opcode. */
  simd(op: number, ...imm: number[]): this {
    return this.raw(0xfd, ...uleb(op), ...imm);
  }
  /** `v128.load` with byte offset. */
  vload(offset = 0): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  /** `v128.store` with byte offset. */
  vstore(offset = 0): this {
    return this.simd(0x0b, 0, ...uleb(offset));
  }
  /** `v128.const` from four u32 lanes. */
  vconst32(a: number, b = a, c = a, d = a): this {
    const bytes: number[] = [];
    for (const w of [a, b, c, d]) bytes.push(w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24);
    return this.simd(0x0c, ...bytes);
  }
  /** `v128.const` from 16 bytes. */
  vconst8(bytes: number[]): this {
    return this.simd(0x0c, ...bytes);
  }
  /** `i8x16.shuffle` with 16 lane indices. */
  shuffle(lanes: number[]): this {
    return this.simd(0x0d, ...lanes);
  }
  /** `i8x16.swizzle`. */
  swizzle(): this {
    return this.simd(0x0e);
  }
  /** `i32x4.splat`. */
  splat(): this {
    return this.simd(0x11);
  }
  /** `i32x4.replace_lane`. */
  replaceLane(lane: number): this {
    return this.simd(0x1c, lane);
  }
  /** `i32x4.lt_s`. */
  ltS(): this {
    return this.simd(0x39);
  }
  /** `v128.and`. */
  and(): this {
    return this.simd(0x4e);
  }
  /** `v128.or`. */
  or(): this {
    return this.simd(0x50);
  }
  /** `v128.xor`. */
  xor(): this {
    return this.simd(0x51);
  }
  /** `v128.bitselect` (v1 where mask bits set, else v2). */
  bitselect(): this {
    return this.simd(0x52);
  }
  /** `i32x4.shl`. */
  shl(): this {
    return this.simd(0xab, 0x01);
  }
  /** `i32x4.shr_u`. */
  shrU(): this {
    return this.simd(0xad, 0x01);
  }
  /** `i32x4.add`. */
  add(): this {
    return this.simd(0xae, 0x01);
  }
}

/** One exported function: parameters, extra locals, body. */
export interface FunctionDef {
  /** Export name. */
  name: string;
  /** Parameter types. */
  params: number[];
  /** Extra locals as [count, type] runs. */
  locals: Array<[number, number]>;
  /** The body (without the final `end`). */
  code: Code;
}

/**
 * A module with one exported memory of `pages` 64 KiB pages and the given
 * functions (no results).
 */
export function assembleModule(pages: number, fns: FunctionDef[]): Uint8Array<ArrayBuffer> {
  const types: number[] = [];
  for (const f of fns) types.push(0x60, ...uleb(f.params.length), ...f.params, 0);
  const funcs = fns.map((_, i) => uleb(i)).flat();
  const exports: number[] = [...uleb(fns.length + 1), ...name("memory"), 0x02, 0];
  fns.forEach((f, i) => exports.push(...name(f.name), 0x00, ...uleb(i)));
  const bodies: number[] = [];
  for (const f of fns) {
    const body = [
      ...uleb(f.locals.length),
      ...f.locals.flatMap(([n, t]) => [...uleb(n), t]),
      ...f.code.bytes,
      0x0b,
    ];
    bodies.push(...uleb(body.length), ...body);
  }
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [...uleb(fns.length), ...types]),
    ...section(3, [...uleb(fns.length), ...funcs]),
    ...section(5, [1, 0x00, ...uleb(pages)]),
    ...section(7, exports),
    ...section(10, [...uleb(fns.length), ...bodies]),
  ]);
}
