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

import { simdInstance, simdMulAdd } from "./_gf16_simd_kernel.ts";

/** One worker's share of a recovery set. */
export interface RecoveryJob {
  /** Input files (absolute paths). */
  paths: string[];
  /**
   * Flags to open them with so that their access time stays as it was (Linux `O_NOATIME`; 0:
   * a plain open). Refused for files of another owner: those are opened plainly.
   */
  noAtime: number;
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
  /** The SIMD kernel module, with memory for (to − from + 1) stripes and the tables. */
  wasm: Uint8Array;
}

/** The node:fs calls the kernel uses (passed in so the worker's copy needs no import). */
export interface KernelFs {
  openSync(path: string, flags: string | number): number;
  closeSync(fd: number): void;
  readSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  writeSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
}

/** Computes and writes the recovery data of exponents [job.from, job.to). */
export function computeRecoveryRange(job: RecoveryJob, fs: KernelFs): void {
  const R = job.to - job.from, S = job.sliceSize, T = job.stripe;
  const openInput = (p: string) => {
    if (job.noAtime !== 0) {
      try {
        return fs.openSync(p, job.noAtime);
      } catch (e) {
        if ((e as { code?: string } | null)?.code !== "EPERM") throw e;
      }
    }
    return fs.openSync(p, "r");
  };
  const fds = job.paths.map(openInput);
  const vol = fs.openSync(job.volume, "r+");
  try {
    const { fn, mem } = simdInstance(job.wasm);
    const inOff = R * T, tabOff = inOff + T; // accumulators at 0, one stripe each
    const scratch = new Uint16Array(512);
    const n = job.constants.length;
    for (let so = 0; so < S; so += T) {
      const width = Math.min(T, S - so);
      mem.fill(0, 0, R * T);
      for (let i = 0; i < n; i++) {
        const file = job.slices[3 * i]!, off = job.slices[3 * i + 1]!, len = job.slices[3 * i + 2]!;
        const want = Math.max(0, Math.min(width, len - so));
        if (want === 0) continue; // past the end of a short last slice: zeros add nothing
        mem.fill(0, inOff + want, inOff + width);
        for (let got = 0; got < want;) {
          const k = fs.readSync(fds[file]!, mem, inOff + got, want - got, off + so + got);
          if (k === 0) throw new Error(`${job.paths[file]} ended early at ${off + so + got}`);
          got += k;
        }
        const lc = job.log[job.constants[i]!]!;
        for (let e = job.from; e < job.to; e++) {
          const coeff = job.exp[(lc * e) % 65535]!; // c_i^e
          simdMulAdd(
            fn,
            mem,
            (e - job.from) * T,
            inOff,
            tabOff,
            width,
            coeff,
            job.exp,
            job.log,
            scratch,
          );
        }
      }
      for (let e = job.from; e < job.to; e++) {
        const at = (e - job.from) * T;
        const pos = job.dataBase + e * job.packetLen + so;
        for (let done = 0; done < width;) {
          done += fs.writeSync(vol, mem, at + done, width - done, pos + done);
        }
      }
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.closeSync(vol);
  }
}
