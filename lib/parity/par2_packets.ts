/**
 * PAR2 2.0 packets (Parity Volume Set Specification 2.0). Every packet:
 *
 * ```text
 * offset size field
 *      0    8 magic            "PAR2\0PKT"
 *      8    8 length           u64 LE, whole packet, a multiple of 4
 *     16   16 packet MD5       MD5 of bytes 32..length
 *     32   16 recovery set ID  MD5 of the main packet's body
 *     48   16 type             "PAR 2.0\0Main\0\0\0\0", "PAR 2.0\0FileDesc", "PAR 2.0\0IFSC\0\0\0\0",
 *                              "PAR 2.0\0RecvSlic", "PAR 2.0\0Creator\0"
 *     64    … body
 * ```
 *
 * Bodies: Main = slice size u64, file count u32, file IDs (sorted); FileDesc = file ID, MD5 of
 * the file, MD5 of its first 16 KiB, length u64, name (zero-padded to 4); IFSC = file ID, then
 * per slice MD5 + CRC32 (the last slice zero-padded); RecvSlic = exponent u32, slice bytes;
 * Creator = text. File ID = MD5(MD5-16k ‖ length ‖ name).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { CorruptDataError } from "../bytes/errors.ts";

/** Packet header size. */
export const PACKET_HEADER_SIZE = 64;
const MAGIC = new TextEncoder().encode("PAR2\0PKT");

function typeBytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  out.set(new TextEncoder().encode(s));
  return out;
}

/** Packet types. */
export const PACKET_TYPES = {
  main: typeBytes("PAR 2.0\0Main"),
  fileDesc: typeBytes("PAR 2.0\0FileDesc"),
  ifsc: typeBytes("PAR 2.0\0IFSC"),
  recovery: typeBytes("PAR 2.0\0RecvSlic"),
  creator: typeBytes("PAR 2.0\0Creator"),
} as const;

/** MD5 of the concatenation of `parts`. */
export function md5(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

function pad4(b: Uint8Array): Uint8Array {
  if (b.length % 4 === 0) return b;
  const out = new Uint8Array(b.length + (4 - (b.length % 4)));
  out.set(b);
  return out;
}

/** A whole packet for `body` (length, MD5 and set ID filled in). */
export function encodePacket(setId: Uint8Array, type: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(PACKET_HEADER_SIZE + body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setBigUint64(8, BigInt(out.length), true);
  out.set(setId, 32);
  out.set(type, 48);
  out.set(body, PACKET_HEADER_SIZE);
  out.set(md5(out.subarray(32)), 16);
  return out;
}

/** Header of a packet whose body (e.g. recovery data) is written separately. */
export function packetHeader(
  setId: Uint8Array,
  type: Uint8Array,
  bodyLength: number,
  bodyMd5Hasher: (h: ReturnType<typeof createHash>) => void,
): Uint8Array {
  const out = new Uint8Array(PACKET_HEADER_SIZE);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setBigUint64(8, BigInt(PACKET_HEADER_SIZE + bodyLength), true);
  out.set(setId, 32);
  out.set(type, 48);
  const h = createHash("md5");
  h.update(out.subarray(32, 64));
  bodyMd5Hasher(h);
  out.set(new Uint8Array(h.digest()), 16);
  return out;
}

/** A file of a recovery set, as its File Description packet says. */
export interface Par2File {
  /** File ID. */
  id: Uint8Array;
  /** Name (path relative to the set's base directory, `/`-separated). */
  name: string;
  /** Length in bytes. */
  length: number;
  /** MD5 of the whole file. */
  md5: Uint8Array;
  /** MD5 of the first 16 KiB. */
  md5_16k: Uint8Array;
  /** Per slice: MD5 (16 bytes) and CRC32 (u32 LE), 20 bytes each (from the IFSC packet). */
  slices: Uint8Array;
}

/** The File ID of a file (spec: MD5 of MD5-16k, length and name). */
export function fileId(md5_16k: Uint8Array, length: number, name: string): Uint8Array {
  return md5(md5_16k, u64(length), new TextEncoder().encode(name));
}

/** par2cmdline's order of file IDs: as 128-bit little-endian numbers. */
export function compareFileIds(a: Uint8Array, b: Uint8Array): number {
  for (let i = 15; i >= 0; i--) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Main packet body. */
export function mainBody(sliceSize: number, ids: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(12 + 16 * ids.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(sliceSize), true);
  v.setUint32(8, ids.length, true);
  ids.forEach((id, i) => out.set(id, 12 + 16 * i));
  return out;
}

/** File Description packet body. */
export function fileDescBody(f: Par2File): Uint8Array {
  const name = pad4(new TextEncoder().encode(f.name));
  const out = new Uint8Array(56 + name.length);
  out.set(f.id, 0);
  out.set(f.md5, 16);
  out.set(f.md5_16k, 32);
  out.set(u64(f.length), 48);
  out.set(name, 56);
  return out;
}

/** Input File Slice Checksum packet body. */
export function ifscBody(f: Par2File): Uint8Array {
  const out = new Uint8Array(16 + f.slices.length);
  out.set(f.id, 0);
  out.set(f.slices, 16);
  return out;
}

/** Creator packet body. */
export function creatorBody(text: string): Uint8Array {
  return pad4(new TextEncoder().encode(text));
}

/** A packet found in a file. */
export interface Par2Packet {
  /** Offset of the packet in its file. */
  offset: number;
  /** Whole length. */
  length: number;
  /** Recovery set ID. */
  setId: Uint8Array;
  /** Type (16 bytes). */
  type: Uint8Array;
}

/**
 * Finds the valid packets of a PAR2 file through `readAt` (packets whose MD5 does not match are
 * skipped, as the spec asks; bytes between packets are searched for the next magic).
 * `maxBody` bounds how much of a packet is read to check it (recovery packets are checked
 * separately, streaming).
 */
export function scanPackets(
  size: number,
  readAt: (offset: number, length: number) => Uint8Array,
  file: string,
): Par2Packet[] {
  const out: Par2Packet[] = [];
  let at = 0;
  while (at + PACKET_HEADER_SIZE <= size) {
    const head = readAt(at, PACKET_HEADER_SIZE);
    if (!startsWithMagic(head)) {
      at = nextMagic(readAt, at + 1, size);
      continue;
    }
    const length = Number(new DataView(head.buffer, head.byteOffset).getBigUint64(8, true));
    if (length < PACKET_HEADER_SIZE || length % 4 !== 0 || at + length > size) {
      at = nextMagic(readAt, at + 1, size);
      continue;
    }
    if (!packetMd5Matches(head, at, length, readAt)) {
      at = nextMagic(readAt, at + 4, size);
      continue;
    }
    out.push({ offset: at, length, setId: head.slice(32, 48), type: head.slice(48, 64) });
    at += length;
  }
  if (out.length === 0 && size > 0) {
    throw new CorruptDataError("bad-par2", "no valid PAR2 packet", {
      file,
      offset: 0,
      field: "packet",
    });
  }
  return out;
}

function startsWithMagic(b: Uint8Array): boolean {
  for (let i = 0; i < 8; i++) if (b[i] !== MAGIC[i]) return false;
  return true;
}

function nextMagic(
  readAt: (o: number, l: number) => Uint8Array,
  from: number,
  size: number,
): number {
  const piece = 1 << 20;
  for (let at = from; at < size; at += piece - 7) {
    const b = readAt(at, Math.min(piece, size - at));
    for (let i = 0; i + 8 <= b.length; i++) {
      if (b[i] === 0x50 && startsWithMagic(b.subarray(i, i + 8))) return at + i;
    }
    if (b.length < piece) break;
  }
  return size;
}

function packetMd5Matches(
  head: Uint8Array,
  at: number,
  length: number,
  readAt: (o: number, l: number) => Uint8Array,
): boolean {
  const h = createHash("md5");
  h.update(head.subarray(32, 64));
  const piece = 4 << 20;
  for (let o = PACKET_HEADER_SIZE; o < length; o += piece) {
    h.update(readAt(at + o, Math.min(piece, length - o)));
  }
  const d = new Uint8Array(h.digest());
  for (let i = 0; i < 16; i++) if (d[i] !== head[16 + i]) return false;
  return true;
}

/** True when two 16-byte values are equal. */
export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
