/**
 * The files of a Bitcoin Core `blocks/` directory: `blk?????.dat` in
 * numeric order, and the XOR key in `xor.dat`.
 *
 * @module
 */

import { XOR_KEY_SIZE } from "./xor.ts";

/** One block file. */
export interface BlkFile {
  /** The NNNNN of blkNNNNN.dat. */
  number: number;
  /** Full path. */
  path: string;
  /** Size in bytes when listed. */
  size: number;
}

const BLK_NAME = /^blk(\d{5,})\.dat$/;

/** File name for block file `n` (`blk00042.dat`). */
export function blkFileName(n: number): string {
  return `blk${String(n).padStart(5, "0")}.dat`;
}

/** The blk files of `dir`, in numeric order. Throws NotFound when `dir` is missing. */
export function listBlkFiles(dir: string): BlkFile[] {
  const files: BlkFile[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const m = BLK_NAME.exec(e.name);
    if (!m || !e.isFile) continue;
    const path = `${dir}/${e.name}`;
    files.push({ number: Number(m[1]), path, size: Deno.statSync(path).size });
  }
  return files.sort((a, b) => a.number - b.number);
}

/**
 * The key from `dir/xor.dat`, or undefined when the file does not exist
 * (Bitcoin Core before 28, or obfuscation disabled).
 */
export function readXorKey(dir: string): Uint8Array | undefined {
  let key: Uint8Array;
  try {
    key = Deno.readFileSync(`${dir}/xor.dat`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (key.length !== XOR_KEY_SIZE) {
    throw new RangeError(`${dir}/xor.dat: expected ${XOR_KEY_SIZE} bytes, found ${key.length}`);
  }
  return key;
}
