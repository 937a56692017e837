/**
 * File helpers: durable updates (write a temporary file, fsync it, rename
 * it over the target, fsync the directory: a reader sees the old or the new
 * file, never a torn one), and whole reads and writes at a position.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync } from "node:fs";

/** fsyncs a directory so a rename in it is durable. */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return; // some platforms cannot open directories; the rename is still atomic
  }
  try {
    fsyncSync(fd);
  } catch {
    // directories cannot be fsynced everywhere
  } finally {
    closeSync(fd);
  }
}

/** Directory part of a path. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/** Atomically replaces `path` with `data`. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = `${path}.tmp`;
  const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  try {
    let done = 0;
    while (done < bytes.length) done += f.writeSync(bytes.subarray(done));
    f.syncSync();
  } finally {
    f.close();
  }
  Deno.renameSync(tmp, path);
  syncDir(dirOf(path));
}

/** Writes all of `bytes` at the file's current position. */
export function writeAll(f: Deno.FsFile, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += f.writeSync(bytes.subarray(done));
}

/** Reads exactly `buf.length` bytes at `position`. */
export function readAt(f: Deno.FsFile, buf: Uint8Array, position: number): void {
  f.seekSync(position, Deno.SeekMode.Start);
  let done = 0;
  while (done < buf.length) {
    const n = f.readSync(buf.subarray(done));
    if (n === null || n === 0) throw new Error(`Unexpected end of file at ${position + done}`);
    done += n;
  }
  f.seekSync(0, Deno.SeekMode.End);
}
