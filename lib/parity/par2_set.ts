/**
 * Reading a PAR2 recovery set back (from its index file, its volume files,
 * or whatever of them survives: every volume repeats the critical packets)
 * and judging the files it protects slice by slice.
 *
 * @module
 */

import { closeSync, fstatSync, readSync } from "node:fs";
import { CorruptDataError } from "../bytes/errors.ts";
import { openForScan } from "../store/scan_open.ts";
import { inputConstants } from "./gf16.ts";
import { hashSlice, PIECE_BYTES } from "./slice_hasher.ts";
import {
  PACKET_HEADER_SIZE,
  PACKET_TYPES,
  type Par2File,
  type Par2Packet,
  sameId,
  scanPackets,
} from "./par2_packets.ts";

/** A recovery slice available on disk. */
export interface RecoverySlice {
  /** Its exponent. */
  exponent: number;
  /** PAR2 file holding it (relative to the set's directory). */
  file: string;
  /** Offset of its data in that file. */
  offset: number;
}

/** A loaded recovery set. */
export interface RecoverySet {
  /** Directory names are relative to. */
  dir: string;
  /** Base name (`NAME.par2`). */
  name: string;
  /** Recovery set ID. */
  setId: Uint8Array;
  /** Slice size. */
  sliceSize: number;
  /** Files in slice order (the main packet's order). */
  files: Par2File[];
  /** Constant of each input slice. */
  constants: Uint16Array;
  /** Valid recovery slices found. */
  recovery: RecoverySlice[];
  /** PAR2 files read. */
  par2Files: string[];
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The PAR2 files of set `name` among `names`: `NAME.par2` and `NAME.*.par2`. */
export function par2NamesOf(names: Iterable<string>, name: string): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (n === `${name}.par2` || (n.startsWith(`${name}.`) && n.endsWith(".par2"))) out.push(n);
  }
  return out.sort();
}

/** The PAR2 files of set `name` in `dir`: `NAME.par2` and `NAME.*.par2`. */
export function par2FilesOf(dir: string, name: string): string[] {
  const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
  return par2NamesOf(files, name);
}

/** Loads set `name` from `dir`; throws CorruptDataError when no intact main packet survives. */
export function loadRecoverySet(dir: string, name: string): RecoverySet {
  const par2Files = par2FilesOf(dir, name);
  let main: Uint8Array | null = null;
  let setId: Uint8Array | null = null;
  const descs = new Map<string, Partial<Par2File>>();
  const recovery: RecoverySlice[] = [];
  const key = (id: Uint8Array) => [...id].join(",");
  for (const f of par2Files) {
    const fd = openForScan(`${dir}/${f}`);
    try {
      const size = fstatSync(fd).size;
      const readAt = (o: number, l: number) => {
        const b = new Uint8Array(l);
        const n = readSync(fd, b, 0, l, o);
        return b.subarray(0, n);
      };
      let packets: Par2Packet[];
      try {
        packets = scanPackets(size, readAt, `${dir}/${f}`);
      } catch {
        continue; // a PAR2 file damaged beyond use: the others may do
      }
      for (const p of packets) {
        if (setId && !sameId(p.setId, setId)) continue;
        const body = () => readAt(p.offset + PACKET_HEADER_SIZE, p.length - PACKET_HEADER_SIZE);
        if (eq(p.type, PACKET_TYPES.main) && !main) {
          main = body();
          setId = p.setId;
        } else if (eq(p.type, PACKET_TYPES.fileDesc)) {
          const b = body();
          const id = b.slice(0, 16);
          const d = descs.get(key(id)) ?? {};
          const nameBytes = b.subarray(56);
          const end = nameBytes.indexOf(0);
          Object.assign(d, {
            id,
            md5: b.slice(16, 32),
            md5_16k: b.slice(32, 48),
            length: Number(new DataView(b.buffer, b.byteOffset).getBigUint64(48, true)),
            name: new TextDecoder().decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)),
          });
          descs.set(key(id), d);
        } else if (eq(p.type, PACKET_TYPES.ifsc)) {
          const b = body();
          const id = b.slice(0, 16);
          const d = descs.get(key(id)) ?? {};
          d.slices = b.slice(16);
          descs.set(key(id), d);
        } else if (eq(p.type, PACKET_TYPES.recovery)) {
          const e = readAt(p.offset + PACKET_HEADER_SIZE, 4);
          const exponent = new DataView(e.buffer, e.byteOffset).getUint32(0, true);
          if (!recovery.some((r) => r.exponent === exponent)) {
            recovery.push({ exponent, file: f, offset: p.offset + PACKET_HEADER_SIZE + 4 });
          }
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  if (!main || !setId) {
    throw new CorruptDataError(
      "no-main-packet",
      `no intact main packet in ${par2Files.join(", ") || "(no PAR2 files)"}`,
      {
        file: `${dir}/${name}.par2`,
        offset: 0,
        field: "main packet",
      },
    );
  }
  const m: Uint8Array = main;
  const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const sliceSize = Number(v.getBigUint64(0, true));
  const count = v.getUint32(8, true);
  const files: Par2File[] = [];
  for (let i = 0; i < count; i++) {
    const d = descs.get(key(m.subarray(12 + 16 * i, 28 + 16 * i)));
    if (!d?.name || !d.slices) {
      throw new CorruptDataError(
        "missing-file-packets",
        `file ${i} of the set has no intact description`,
        {
          file: `${dir}/${name}.par2`,
          offset: 0,
          field: "file description",
        },
      );
    }
    files.push(d as Par2File);
  }
  const slices = files.reduce((n, f) => n + Math.ceil(f.length / sliceSize), 0);
  recovery.sort((a, b) => a.exponent - b.exponent);
  return {
    dir,
    name,
    setId,
    sliceSize,
    files,
    constants: inputConstants(slices),
    recovery,
    par2Files,
  };
}

/** The state of one protected file. */
export interface FileScan {
  /** Name in the set. */
  name: string;
  /** "ok", "damaged" (some slices bad or wrong length) or "missing". */
  status: "ok" | "damaged" | "missing";
  /** Global indices of the input slices that are bad. */
  badSlices: number[];
}

/** Checks every slice of every file of the set against its MD5 and CRC32. */
export function scanFiles(set: RecoverySet): FileScan[] {
  const S = set.sliceSize;
  const buf = new Uint8Array(Math.min(S, PIECE_BYTES));
  const out: FileScan[] = [];
  let base = 0;
  for (const f of set.files) {
    const n = Math.ceil(f.length / S);
    const scan: FileScan = { name: f.name, status: "ok", badSlices: [] };
    let fd: number;
    try {
      fd = openForScan(`${set.dir}/${f.name}`);
    } catch {
      scan.status = "missing";
      for (let k = 0; k < n; k++) scan.badSlices.push(base + k);
      out.push(scan);
      base += n;
      continue;
    }
    try {
      const size = fstatSync(fd).size;
      for (let k = 0; k < n; k++) {
        const len = Math.min(S, f.length - k * S);
        const sums = hashSlice(fd, k * S, len, S, buf);
        const sum = f.slices.subarray(20 * k, 20 * k + 20);
        const crcOk = sums.crc === new DataView(sum.buffer, sum.byteOffset).getUint32(16, true);
        if (sums.read !== len || !crcOk || !eq(sums.md5, sum.subarray(0, 16))) {
          scan.badSlices.push(base + k);
        }
      }
      if (scan.badSlices.length > 0 || size !== f.length) scan.status = "damaged";
    } finally {
      closeSync(fd);
    }
    out.push(scan);
    base += n;
  }
  return out;
}
