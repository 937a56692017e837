/**
 * The recovery-slice kernel: for a range of exponents, every stripe of
 * every recovery slice is `Σ c_i^e · D_i[stripe]`, written in place into the
 * volume file. Self-contained (it names only its parameters and the two
 * `gf16_mac.ts` functions), so the same code runs on the main thread or,
 * turned into source text, in in-memory workers that need no permission to
 * read blkpipe's own files.
 *
 * @module
 */

import { mulAdd, mulTablesWith } from "./gf16_mac.ts";

/** One worker's share of a recovery set. */
export interface RecoveryJob {
  /** Input files (absolute paths). */
  paths: string[];
  /** Per input slice: file index, offset, length (3 numbers each). */
  slices: Float64Array;
  /** Per input slice: its constant. */
  constants: Uint16Array;
  /** Exponents [from, to) this job computes. */
  from: number;
  to: number;
  /** Slice size and stripe width (multiples of 4). */
  sliceSize: number;
  stripe: number;
  /** Volume file (absolute) and the byte offset of exponent e's data: dataBase + e·packetLen. */
  volume: string;
  dataBase: number;
  packetLen: number;
  /** GF(2^16) antilog (2×65535) and log tables. */
  exp: Uint16Array;
  log: Uint16Array;
}

/** The node:fs calls the kernel uses (passed in so the worker's copy needs no import). */
export interface KernelFs {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  writeSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
}

/** Computes and writes the recovery data of exponents [job.from, job.to). */
export function computeRecoveryRange(job: RecoveryJob, fs: KernelFs): void {
  const R = job.to - job.from, S = job.sliceSize, T = job.stripe;
  const fds = job.paths.map((p) => fs.openSync(p, "r"));
  const vol = fs.openSync(job.volume, "r+");
  try {
    const acc = new Uint16Array((R * T) / 2);
    const input = new Uint16Array(T / 2);
    const bytes = new Uint8Array(input.buffer);
    const tables = new Uint16Array(512);
    const n = job.constants.length;
    for (let so = 0; so < S; so += T) {
      const width = Math.min(T, S - so);
      acc.fill(0);
      for (let i = 0; i < n; i++) {
        const file = job.slices[3 * i]!, off = job.slices[3 * i + 1]!, len = job.slices[3 * i + 2]!;
        const want = Math.max(0, Math.min(width, len - so));
        if (want === 0) continue; // past the end of a short last slice: zeros add nothing
        bytes.fill(0, want, width);
        for (let got = 0; got < want;) {
          const k = fs.readSync(fds[file]!, bytes, got, want - got, off + so + got);
          if (k === 0) throw new Error(`${job.paths[file]} ended early at ${off + so + got}`);
          got += k;
        }
        const src = input.subarray(0, width / 2);
        const lc = job.log[job.constants[i]!]!;
        for (let e = job.from; e < job.to; e++) {
          const coeff = job.exp[(lc * e) % 65535]!; // c_i^e
          mulTablesWith(coeff, tables, job.exp, job.log);
          const at = ((e - job.from) * T) / 2;
          mulAdd(acc.subarray(at, at + width / 2), src, tables);
        }
      }
      const out = new Uint8Array(acc.buffer);
      for (let e = job.from; e < job.to; e++) {
        const at = (e - job.from) * T;
        const pos = job.dataBase + e * job.packetLen + so;
        for (let done = 0; done < width;) {
          done += fs.writeSync(vol, out, at + done, width - done, pos + done);
        }
      }
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.closeSync(vol);
  }
}
