/**
 * Creates one PAR2 recovery set over files of a directory: `NAME.par2`
 * (main, file description, slice checksum and creator packets) and
 * `NAME.vol000+R.par2` (R recovery slices, plus copies of the critical
 * packets). Memory is bounded by `memoryBytes` whatever the file sizes: the
 * recovery slices are computed in stripes (every input slice contributes to
 * a stripe at the same offset), each stripe written in place. Both files are
 * written as `.tmp`, fsynced and renamed; the index file last.
 *
 * @module
 */

import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { concatBytes } from "../bytes/concat.ts";
import { preadExact, pwriteAll, shortRead } from "../store/pread.ts";
import { openLocalForScan, syncDir } from "../store/local_store.ts";
import { O_NOATIME } from "../store/scan_open.ts";
import { GF16_EXP, GF16_LOG, inputConstants } from "./gf16.ts";
import { LITTLE_ENDIAN } from "./gf16_mac.ts";
import { computeRecoveryRange, type RecoveryJob } from "./recovery_kernel.ts";
import { RecoveryPool } from "./recovery_pool.ts";
import { gf16SimdModuleBytes, pagesFor } from "./_gf16_simd_kernel.ts";
import { hashSlice, PIECE_BYTES } from "./slice_hasher.ts";
import {
  compareFileIds,
  creatorBody,
  encodePacket,
  fileDescBody,
  fileId,
  ifscBody,
  mainBody,
  md5,
  PACKET_HEADER_SIZE,
  PACKET_TYPES,
  packetHeader,
  type Par2File,
} from "./par2_packets.ts";

/** Options of {@link createRecoverySet}. */
export interface CreateSetOptions {
  /** Directory the names are relative to (where the PAR2 files go too). */
  dir: string;
  /** Base name of the PAR2 files (`NAME.par2`, `NAME.vol000+R.par2`). */
  name: string;
  /** Files (relative paths, `/`-separated). */
  files: string[];
  /** Slice size in bytes (a multiple of 4). */
  sliceSize: number;
  /** Number of recovery slices. */
  recovery: number;
  /** Memory for recovery accumulators (default 64 MiB). */
  memoryBytes?: number;
  /** Creator packet text. */
  creator?: string;
  /** Called after each input slice of the checksum pass with its bytes (progress). */
  onSlice?: ((bytes: number) => void) | undefined;
  /**
   * Called with the SHA-256 (hex) of each input file as read, before any PAR2 file is put in
   * place; if it throws, the set's temporaries are removed and the error propagates.
   */
  check?: ((sha256: string[]) => void) | undefined;
  /** Worker threads for the recovery data (default: 2, or 0 — the calling thread — below 32 MiB). */
  workers?: number;
}

/** What was written. */
export interface CreatedSet {
  /** The index file and the volume file (relative to `dir`). */
  files: string[];
  /** Input slices. */
  inputSlices: number;
  /** Recovery set ID (hex). */
  setId: string;
  /** SHA-256 (hex) of each input file as read, in the order given. */
  sha256: string[];
}

/** Where input slice `i` lives. */
interface SliceRef {
  file: number;
  offset: number;
  length: number;
}

/** The PAR2 volume file name for `recovery` slices starting at exponent 0. */
export function volumeName(name: string, recovery: number): string {
  const w = Math.max(3, String(recovery).length);
  return `${name}.vol${"0".repeat(w)}+${String(recovery).padStart(w, "0")}.par2`;
}

/** Creates the recovery set. */
export async function createRecoverySet(o: CreateSetOptions): Promise<CreatedSet> {
  if (!LITTLE_ENDIAN) throw new Error("PAR2 arithmetic here assumes a little-endian platform");
  if (o.sliceSize % 4 !== 0 || o.sliceSize <= 0) throw new RangeError("slice size: multiple of 4");
  const S = o.sliceSize;
  const fds: number[] = [];
  try {
    for (const f of o.files) fds.push(openLocalForScan(`${o.dir}/${f}`));
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    throw e;
  }
  try {
    const sizes = fds.map((fd) => fstatSync(fd).size);
    // File IDs need only the first 16 KiB: order the files (and so the slices) first.
    const descs: Par2File[] = o.files.map((name, i) => {
      const head = new Uint8Array(Math.min(16384, sizes[i]!));
      preadExact(fds[i]!, head, 0, `${o.dir}/${name}`);
      const h16 = md5(head);
      return {
        id: fileId(h16, sizes[i]!, name),
        name,
        length: sizes[i]!,
        md5: new Uint8Array(16),
        md5_16k: h16,
        slices: new Uint8Array(20 * Math.ceil(sizes[i]! / S)),
      };
    });
    const order = descs.map((_, i) => i).sort((a, b) => compareFileIds(descs[a]!.id, descs[b]!.id));
    const slices: SliceRef[] = [];
    for (const f of order) {
      for (let at = 0; at < sizes[f]!; at += S) {
        slices.push({ file: f, offset: at, length: Math.min(S, sizes[f]! - at) });
      }
    }
    const constants = inputConstants(slices.length);
    const R = o.recovery;
    const stripe = Math.min(
      S,
      Math.max(4, Math.floor((o.memoryBytes ?? 64 << 20) / Math.max(1, R) / 4) * 4),
    );
    const ids = order.map((f) => descs[f]!.id);
    const main = mainBody(S, ids);
    const setId = md5(main);
    const vol = volumeName(o.name, R);
    const volTmp = `${o.dir}/${vol}.tmp`;
    const packetLen = PACKET_HEADER_SIZE + 4 + S;
    const volFd = openSync(volTmp, "w+");
    let index: Uint8Array;
    let sha256: string[];
    try {
      ftruncateSync(volFd, R * packetLen);
      const job: RecoveryJob = {
        paths: o.files.map((f) => `${o.dir}/${f}`),
        noAtime: O_NOATIME,
        slices: Float64Array.from(slices.flatMap((s) => [s.file, s.offset, s.length])),
        constants,
        from: 0,
        to: R,
        sliceSize: S,
        stripe,
        volume: volTmp,
        dataBase: PACKET_HEADER_SIZE + 4,
        packetLen,
        exp: GF16_EXP,
        log: GF16_LOG,
        wasm: new Uint8Array(0),
      };
      // The recovery data on workers while this thread reads the files once for their checksums.
      const total = sizes.reduce((a, b) => a + b, 0);
      const workers = Math.min(o.workers ?? (total < (32 << 20) ? 0 : 2), R);
      const wasmFor = (r: number) => gf16SimdModuleBytes(pagesFor((r + 1) * stripe + 128));
      if (workers === 0) {
        computeRecoveryRange({ ...job, wasm: wasmFor(R) }, {
          openSync,
          closeSync,
          readSync,
          writeSync,
        });
        sha256 = checksumPass(o, fds, descs, slices, S);
      } else {
        const pool = new RecoveryPool(workers);
        try {
          const share = Math.ceil(R / workers);
          const wasm = wasmFor(share);
          const runs = Array.from(
            { length: workers },
            (_, w) => pool.run({ ...job, from: w * share, to: Math.min(R, (w + 1) * share), wasm }),
          );
          runs.forEach((r) => r.catch(() => {}));
          sha256 = checksumPass(o, fds, descs, slices, S);
          await Promise.all(runs);
        } finally {
          pool.close();
        }
      }
      // Recovery packet headers (their MD5 covers the data written above), then critical packets.
      index = critical(setId, main, order.map((f) => descs[f]!), o.creator);
      finishVolume(volFd, setId, R, S, packetLen, index);
      fsyncSync(volFd);
    } finally {
      closeSync(volFd);
    }
    try {
      o.check?.(sha256!);
    } catch (e) {
      Deno.removeSync(volTmp); // nothing computed over wrong input replaces a PAR2 file
      throw e;
    }
    Deno.renameSync(volTmp, `${o.dir}/${vol}`);
    const idxTmp = `${o.dir}/${o.name}.par2.tmp`;
    const fd = openSync(idxTmp, "w");
    try {
      pwriteAll(fd, index, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    Deno.renameSync(idxTmp, `${o.dir}/${o.name}.par2`);
    syncDir(o.dir);
    return {
      files: [`${o.name}.par2`, vol],
      inputSlices: slices.length,
      setId: [...setId].map((b) => b.toString(16).padStart(2, "0")).join(""),
      sha256: sha256!,
    };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** The critical packets: main, then per file its description and slice checksums, then creator. */
function critical(
  setId: Uint8Array,
  main: Uint8Array,
  files: Par2File[],
  creator?: string,
): Uint8Array {
  const parts = [encodePacket(setId, PACKET_TYPES.main, main)];
  for (const f of files) {
    parts.push(encodePacket(setId, PACKET_TYPES.fileDesc, fileDescBody(f)));
    parts.push(encodePacket(setId, PACKET_TYPES.ifsc, ifscBody(f)));
  }
  parts.push(encodePacket(setId, PACKET_TYPES.creator, creatorBody(creator ?? "blkpipe")));
  return concatBytes(parts);
}

/**
 * Sequential pass: whole-file MD5s and per-slice MD5 + CRC32 (last slice zero-padded); returns
 * each file's SHA-256 (callers check the files against their own records with it).
 */
function checksumPass(
  o: CreateSetOptions,
  fds: number[],
  descs: Par2File[],
  slices: SliceRef[],
  S: number,
): string[] {
  const buf = new Uint8Array(Math.min(S, PIECE_BYTES));
  const whole = descs.map(() => createHash("md5"));
  const sha = descs.map(() => createHash("sha256"));
  const counters = descs.map(() => 0);
  for (const s of slices) {
    const sums = hashSlice(fds[s.file]!, s.offset, s.length, S, buf, (piece) => {
      whole[s.file]!.update(piece);
      sha[s.file]!.update(piece);
    });
    if (sums.read !== s.length) {
      throw shortRead(`${o.dir}/${o.files[s.file]}`, s.offset + sums.read, s.length - sums.read);
    }
    const k = counters[s.file]!++;
    const d = descs[s.file]!;
    d.slices.set(sums.md5, 20 * k);
    new DataView(d.slices.buffer).setUint32(20 * k + 16, sums.crc, true);
    o.onSlice?.(s.length);
  }
  descs.forEach((d, i) => d.md5.set(new Uint8Array(whole[i]!.digest())));
  return sha.map((h) => h.digest("hex"));
}

/** Writes recovery packet headers and exponents (MD5 over the data re-read) and the critical packets. */
function finishVolume(
  volFd: number,
  setId: Uint8Array,
  R: number,
  S: number,
  packetLen: number,
  criticalFor: Uint8Array,
): void {
  const piece = new Uint8Array(Math.min(S, 4 << 20));
  for (let e = 0; e < R; e++) {
    const exp = new Uint8Array(4);
    new DataView(exp.buffer).setUint32(0, e, true);
    const base = e * packetLen;
    pwriteAll(volFd, exp, base + PACKET_HEADER_SIZE);
    const head = packetHeader(setId, PACKET_TYPES.recovery, 4 + S, (h) => {
      h.update(exp);
      for (let at = 0; at < S; at += piece.length) {
        const n = Math.min(piece.length, S - at);
        preadExact(volFd, piece.subarray(0, n), base + PACKET_HEADER_SIZE + 4 + at, "volume");
        h.update(piece.subarray(0, n));
      }
    });
    pwriteAll(volFd, head, base);
  }
  pwriteAll(volFd, criticalFor, R * packetLen);
}
