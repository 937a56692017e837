/**
 * {@link Store} on a local directory: positioned reads (pread), appends
 * through file descriptors opened with O_APPEND, atomic replacement (tmp,
 * fsync, rename, directory fsync), and the writer lock as an advisory
 * `flock` on `writer.lock` — the kernel releases it when the holder dies,
 * so a lock left by `kill -9` is simply free for the next writer.
 *
 * @module
 */

import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync } from "node:fs";
import { openForScan } from "./scan_open.ts";
import { preadExact, pwriteAll } from "./pread.ts";
import { type AppendFile, ArchiveLockedError, type Store, type StoreLock } from "./store.ts";

/** Name of the lock file at the root of a locally stored archive. */
export const LOCK_FILE = "writer.lock";

/** A directory opened for fsync, or null where that is impossible. */
function openDir(dir: string): number | null {
  try {
    return openSync(dir, "r");
  } catch {
    return null;
  }
}

/** fsyncs a directory so that a rename in it is durable (best effort where unsupported). */
export function syncDir(dir: string): void {
  const fd = openDir(dir);
  if (fd === null) return;
  try {
    fsyncSync(fd);
  } catch {
    // some platforms cannot fsync directories; the rename is still atomic
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path`.tmp and returns the open file (the caller fsyncs and closes it). */
function writeTmp(path: string, data: Uint8Array | string): number {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const fd = openSync(`${path}.tmp`, "w");
  try {
    pwriteAll(fd, bytes, null);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** Writes `data` to `path` atomically: tmp file, fsync, rename, directory fsync. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const fd = writeTmp(path, data);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  Deno.renameSync(`${path}.tmp`, path);
  syncDir(parentOf(path));
}

/**
 * fsync on a thread of the runtime's pool: the calling thread goes on with other work meanwhile
 * (collect orders and frames the next blocks while a resume point's files reach the disk).
 */
export function fsyncInBackground(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => e ? reject(e) : resolve()));
}

/** {@link writeFileAtomic} with its fsyncs off the calling thread. */
export async function writeFileAtomicInBackground(
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const fd = writeTmp(path, data);
  try {
    await fsyncInBackground(fd);
  } finally {
    closeSync(fd);
  }
  Deno.renameSync(`${path}.tmp`, path);
  const dirFd = openDir(parentOf(path));
  if (dirFd === null) return;
  // Some platforms cannot fsync directories; the rename is still atomic.
  await fsyncInBackground(dirFd).catch(() => {}).finally(() => closeSync(dirFd));
}

/** Writes all of `bytes` at a `Deno.FsFile`'s current position. */
export function writeAllSync(f: Deno.FsFile, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += f.writeSync(bytes.subarray(done));
}

/** Directory part of a path. */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** node:fs errors carry errno codes; callers (and the CLI) understand Deno's error classes. */
function asDenoError(e: unknown, path: string): unknown {
  const code = (e as { code?: string } | null)?.code;
  const what = `${path}: ${(e as Error).message.replace(/^[A-Z]+: /, "")}`;
  if (code === "ENOENT") return new Deno.errors.NotFound(what);
  if (code === "ENOTDIR") return new Deno.errors.NotADirectory(what);
  if (code === "EISDIR") return new Deno.errors.IsADirectory(what);
  if (code === "EACCES" || code === "EPERM") return new Deno.errors.PermissionDenied(what);
  return e;
}

/** `openSync` (node:fs flags) with Deno's error classes: a missing file is `Deno.errors.NotFound`. */
export function openLocal(path: string, flags: string): number {
  try {
    return openSync(path, flags);
  } catch (e) {
    throw asDenoError(e, path);
  }
}

/** {@link openForScan} with Deno's error classes (as {@link openLocal}). */
export function openLocalForScan(path: string): number {
  try {
    return openForScan(path);
  } catch (e) {
    throw asDenoError(e, path);
  }
}

/** True when `path` exists (any kind of file). */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (notFound(e)) return false;
    throw e;
  }
}

function notFound(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound ||
    (e as { code?: string } | null)?.code === "ENOENT";
}

/** A local file open for appending (also the S3 store's spool files). */
export class LocalAppendFile implements AppendFile {
  /** Current length. */
  protected len: number;
  /** `fd`: open for reading and appending. */
  constructor(protected fd: number, readonly path: string) {
    this.len = fstatSync(fd).size;
  }
  get length(): number {
    return this.len;
  }
  append(bytes: Uint8Array): void {
    pwriteAll(this.fd, bytes, null);
    this.len += bytes.length;
  }
  /** Counts `n` bytes appended to the file through another descriptor (a writer thread). */
  appendedElsewhere(n: number): void {
    this.len += n;
  }
  readAt(buf: Uint8Array, offset: number): void {
    preadExact(this.fd, buf, offset, this.path);
  }
  truncate(length: number): void {
    ftruncateSync(this.fd, length);
    this.len = length;
  }
  /** fsync, off the calling thread. */
  sync(): Promise<void> {
    return fsyncInBackground(this.fd);
  }
  /** fsync, on the calling thread. */
  syncNow(): void {
    fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * A directory as a {@link Store}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalStore } from "./local_store.ts";
 * const store = new LocalStore(Deno.makeTempDirSync());
 * await store.replace("a/b.txt", "hello");
 * const bytes = await store.readAt("a/b.txt", 1, 3);
 * assert(new TextDecoder().decode(bytes) === "ell");
 * store.close();
 * ```
 */
export class LocalStore implements Store {
  private readonly fds = new Map<string, number>();

  /**
   * `root` is the directory (created on first write). `scan`: a whole-archive pass (verify,
   * parity, recompress, index) — files are read without updating their access time
   * ({@link openForScan}), which stays the time a user last read them.
   */
  constructor(readonly root: string, private readonly options: { scan?: boolean } = {}) {}

  get location(): string {
    return this.root;
  }

  describe(path: string): string {
    return `${this.root}/${path}`;
  }

  size(path: string): Promise<number | null> {
    try {
      return Promise.resolve(Deno.statSync(this.describe(path)).size);
    } catch (e) {
      if (notFound(e)) return Promise.resolve(null);
      throw e;
    }
  }

  read(path: string): Promise<Uint8Array | null> {
    try {
      return Promise.resolve(Deno.readFileSync(this.describe(path)));
    } catch (e) {
      if (notFound(e)) return Promise.resolve(null);
      throw e;
    }
  }

  /** Positioned read through a cached descriptor (synchronous form of {@link readAt}). */
  readAtSync(path: string, offset: number, length: number): Uint8Array {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      fd = this.options.scan
        ? openLocalForScan(this.describe(path))
        : openLocal(this.describe(path), "r");
      this.fds.set(path, fd);
    }
    const buf = new Uint8Array(length);
    preadExact(fd, buf, offset, this.describe(path));
    return buf;
  }

  readAt(path: string, offset: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.readAtSync(path, offset, length));
  }

  list(dir: string): Promise<string[]> {
    try {
      const names = [...Deno.readDirSync(dir ? this.describe(dir) : this.root)].map((e) => e.name);
      return Promise.resolve(names.sort());
    } catch (e) {
      if (notFound(e)) return Promise.resolve([]);
      throw e;
    }
  }

  replace(path: string, data: Uint8Array | string): Promise<void> {
    this.forget(path);
    Deno.mkdirSync(parentOf(this.describe(path)), { recursive: true });
    return writeFileAtomicInBackground(this.describe(path), data);
  }

  remove(path: string): Promise<void> {
    this.forget(path);
    try {
      Deno.removeSync(this.describe(path));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    this.forget(from);
    this.forget(to);
    Deno.mkdirSync(parentOf(this.describe(to)), { recursive: true });
    Deno.renameSync(this.describe(from), this.describe(to));
    syncDir(parentOf(this.describe(to)));
    return Promise.resolve();
  }

  openAppend(path: string, truncate?: number): Promise<LocalAppendFile> {
    this.forget(path);
    Deno.mkdirSync(parentOf(this.describe(path)), { recursive: true });
    const f = new LocalAppendFile(openLocal(this.describe(path), "a+"), this.describe(path));
    if (truncate !== undefined) f.truncate(truncate);
    return Promise.resolve(f);
  }

  lock(options: { create?: boolean } = {}): Promise<StoreLock> {
    if (options.create) Deno.mkdirSync(this.root, { recursive: true });
    else if (!Deno.statSync(this.root).isDirectory) {
      throw new Deno.errors.NotADirectory(`${this.root} is not a directory`);
    }
    const path = this.describe(LOCK_FILE);
    const f = Deno.openSync(path, { read: true, write: true, create: true });
    if (!f.tryLockSync(true)) {
      let holder: { pid?: number; since?: string } | undefined;
      try {
        holder = JSON.parse(Deno.readTextFileSync(path));
      } catch {
        holder = undefined; // being written at this instant
      }
      f.close();
      throw new ArchiveLockedError(this.root, holder);
    }
    f.truncateSync(0);
    const me = JSON.stringify({ pid: Deno.pid, since: new Date().toISOString() }) + "\n";
    f.writeSync(new TextEncoder().encode(me));
    let held = true;
    return Promise.resolve({
      release: () => {
        if (!held) return;
        held = false;
        try {
          f.truncateSync(0);
          f.unlockSync();
        } finally {
          f.close();
        }
      },
    });
  }

  /** Closes cached read descriptors (the store stays usable). */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private forget(path: string): void {
    const fd = this.fds.get(path);
    if (fd !== undefined) closeSync(fd);
    this.fds.delete(path);
  }
}
