/**
 * Repairs the files of a PAR2 recovery set: M bad input slices are rebuilt
 * from M recovery slices by inverting the M×M matrix of their coefficients
 * over GF(2^16), stripe by stripe (memory bounded by a budget). Each damaged
 * file is rebuilt into `FILE.repair.tmp`, checked against its MD5, fsynced
 * and only then renamed over the damaged one; when the damage exceeds the
 * recovery data nothing is touched.
 *
 * @module
 */

import { closeSync, fsyncSync, ftruncateSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { parentOf, syncDir } from "../store/local_store.ts";
import { preadExact, pwriteAll } from "../store/pread.ts";
import { openForScan } from "../store/scan_open.ts";
import { GF16_EXP, GF16_LOG, gfDiv, gfMul, gfPow } from "./gf16.ts";
import { gf16SimdModuleBytes, pagesFor, simdInstance, simdMulAdd } from "./_gf16_simd_kernel.ts";
import type { FileScan, RecoverySet } from "./par2_set.ts";

/** What a repair did. */
export interface RepairResult {
  /** Files rewritten. */
  repaired: string[];
  /** Slices rebuilt. */
  slices: number;
}

/** The damage exceeds the recovery data (nothing was changed). */
export class UnrecoverableError extends Error {
  constructor(readonly files: string[], readonly missing: number, readonly available: number) {
    super(
      `cannot repair ${files.join(", ")}: ${missing} slice(s) damaged or missing, only ` +
        `${available} recovery slice(s) available`,
    );
    this.name = "UnrecoverableError";
  }
}

/** Inverts a square matrix over GF(2^16) (row-major numbers); throws when singular. */
export function invertMatrix(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    const pivot = m.findIndex((row, r) => r >= col && row[col] !== 0);
    if (pivot < 0) throw new RangeError("singular matrix");
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]!;
    const inv = gfDiv(1, p[col]!);
    for (let j = 0; j < 2 * n; j++) p[j] = gfMul(p[j]!, inv);
    for (let r = 0; r < n; r++) {
      if (r === col || m[r]![col] === 0) continue;
      const f = m[r]![col]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j] = m[r]![j]! ^ gfMul(f, p[j]!);
    }
  }
  return m.map((row) => row.slice(n));
}

/** Repairs what `scans` (from `scanFiles(set)`) found; throws {@link UnrecoverableError}. */
export function repairSet(
  set: RecoverySet,
  scans: FileScan[],
  memoryBytes = 64 << 20,
): RepairResult {
  const bad = scans.flatMap((s) => s.badSlices);
  const damaged = scans.filter((s) => s.status !== "ok");
  if (damaged.length === 0) return { repaired: [], slices: 0 };
  if (bad.length > set.recovery.length) {
    throw new UnrecoverableError(damaged.map((s) => s.name), bad.length, set.recovery.length);
  }
  const S = set.sliceSize;
  const M = bad.length;
  const use = set.recovery.slice(0, M);
  const badSet = new Set(bad);
  // Where each input slice lives.
  const where: Array<{ file: number; offset: number; length: number }> = [];
  set.files.forEach((f, fi) => {
    for (let at = 0; at < f.length; at += S) {
      where.push({ file: fi, offset: at, length: Math.min(S, f.length - at) });
    }
  });
  const inv = M > 0
    ? invertMatrix(use.map((r) => bad.map((i) => gfPow(set.constants[i]!, r.exponent))))
    : [];
  // Rebuilt files start as copies of what is there (cut or extended to the right length).
  const tmpFds = new Map<number, number>();
  const srcFds = new Map<number, number>();
  const volFds = new Map<string, number>();
  const tmpName = (fi: number) => `${set.dir}/${set.files[fi]!.name}.repair.tmp`;
  try {
    for (const s of damaged) {
      const fi = set.files.findIndex((f) => f.name === s.name);
      const fd = openSync(tmpName(fi), "w+");
      tmpFds.set(fi, fd);
      copyExisting(`${set.dir}/${s.name}`, fd, set.files[fi]!.length);
    }
    const openSrc = (fi: number) => {
      let fd = srcFds.get(fi);
      if (fd === undefined) {
        fd = openForScan(`${set.dir}/${set.files[fi]!.name}`);
        srcFds.set(fi, fd);
      }
      return fd;
    };
    const stripe = Math.min(S, Math.max(4, Math.floor(memoryBytes / (2 * Math.max(1, M)) / 4) * 4));
    // Working memory in the SIMD kernel's memory: M accumulators, the input and the output stripe.
    const { fn, mem } = simdInstance(gf16SimdModuleBytes(pagesFor((M + 2) * stripe + 128)));
    const inOff = M * stripe, outOff = inOff + stripe, tabOff = outOff + stripe;
    const scratch = new Uint16Array(512);
    const mulAddInto = (dst: number, src: number, width: number, c: number) =>
      simdMulAdd(fn, mem, dst, src, tabOff, width, c, GF16_EXP, GF16_LOG, scratch);
    for (let so = 0; so < S; so += stripe) {
      const width = Math.min(stripe, S - so);
      // Start from the recovery data…
      use.forEach((r, j) => {
        let fd = volFds.get(r.file);
        if (fd === undefined) volFds.set(r.file, fd = openSync(`${set.dir}/${r.file}`, "r"));
        preadExact(fd, mem.subarray(j * stripe, j * stripe + width), r.offset + so, r.file);
      });
      // …remove every good input slice's contribution…
      where.forEach((w, i) => {
        if (badSet.has(i)) return;
        const n = Math.max(0, Math.min(width, w.length - so));
        if (n === 0) return;
        mem.fill(0, inOff + n, inOff + width);
        preadExact(
          openSrc(w.file),
          mem.subarray(inOff, inOff + n),
          w.offset + so,
          set.files[w.file]!.name,
        );
        use.forEach((r, j) =>
          mulAddInto(j * stripe, inOff, width, gfPow(set.constants[i]!, r.exponent))
        );
      });
      // …and solve for the missing ones.
      bad.forEach((i, k) => {
        const w = where[i]!;
        const n = Math.max(0, Math.min(width, w.length - so));
        if (n === 0) return;
        mem.fill(0, outOff, outOff + width);
        for (let j = 0; j < M; j++) mulAddInto(outOff, j * stripe, width, inv[k]![j]!);
        pwriteAll(tmpFds.get(w.file)!, mem.subarray(outOff, outOff + n), w.offset + so);
      });
    }
    for (const [fi, fd] of tmpFds) checkAndSync(fd, set.files[fi]!.md5, set.files[fi]!.name);
  } catch (e) {
    for (const fi of tmpFds.keys()) {
      try {
        Deno.removeSync(tmpName(fi));
      } catch {
        // already gone
      }
    }
    throw e;
  } finally {
    for (const fd of [...tmpFds.values(), ...srcFds.values(), ...volFds.values()]) closeSync(fd);
  }
  for (const fi of tmpFds.keys()) Deno.renameSync(tmpName(fi), `${set.dir}/${set.files[fi]!.name}`);
  for (
    const dir of new Set(
      [...tmpFds.keys()].map((fi) => parentOf(`${set.dir}/${set.files[fi]!.name}`)),
    )
  ) {
    syncDir(dir);
  }
  return { repaired: damaged.map((s) => s.name), slices: M };
}

/** Copies what exists of `path` into `fd`, cut or zero-extended to `length`. */
function copyExisting(path: string, fd: number, length: number): void {
  let src: number | undefined;
  try {
    src = openForScan(path);
  } catch {
    src = undefined;
  }
  const buf = new Uint8Array(4 << 20);
  if (src !== undefined) {
    try {
      for (let at = 0; at < length;) {
        const n = readSync(src, buf, 0, Math.min(buf.length, length - at), at);
        if (n === 0) break;
        pwriteAll(fd, buf.subarray(0, n), at);
        at += n;
      }
    } finally {
      closeSync(src);
    }
  }
  ftruncateSync(fd, length);
}

/** The rebuilt file must have the MD5 the set records; then it is made durable. */
function checkAndSync(fd: number, expected: Uint8Array, name: string): void {
  const h = createHash("md5");
  const buf = new Uint8Array(4 << 20);
  for (let at = 0;;) {
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    at += n;
  }
  const got = new Uint8Array(h.digest());
  if (!got.every((b, i) => b === expected[i])) {
    throw new Error(`rebuilt ${name} does not match its MD5: the recovery data is inconsistent`);
  }
  fsyncSync(fd);
}
