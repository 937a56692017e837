/**
 * An `s3://bucket/prefix` location as a {@link Store}. Objects are
 * immutable, so everything opened for appending lives in a local spool
 * directory (the writer's stage): `sync` makes the spool file durable and
 * uploads the whole object — except `.tmp` files, which are published by
 * `rename` in one upload (multipart above 64 MiB, every part checked by
 * Content-MD5, the size checked after) — so the bucket never holds a
 * partial object. `replace` is one PUT (atomic in S3); `rename` of an
 * object already in the bucket is a server-side copy and a delete.
 *
 * Reads are range GETs (one range per request) through a small LRU cache
 * of ranges. The writer lock is an object (`writer.lock`) naming the spool
 * it was taken from, plus the spool directory's own lock: a writer killed
 * on this machine is taken over by the next run with the same spool;
 * another spool is refused. Taking the lock aborts multipart uploads a
 * killed writer left behind.
 *
 * @module
 */

import { closeSync, fstatSync, openSync } from "node:fs";
import { ByteLru } from "../bytes/byte_lru.ts";
import { type AppendFile, ArchiveLockedError, type Store, type StoreLock } from "./store.ts";
import {
  LocalAppendFile,
  LocalStore,
  pathExists as exists,
  writeFileAtomic,
} from "./local_store.ts";
import { preadExact, shortRead } from "./pread.ts";
import { type RetryPolicy, S3Client } from "./s3_client.ts";
import {
  PIECED_PATHS,
  piecedPublish,
  piecedRead,
  piecedReadAt,
  piecedRemove,
  piecedSize,
} from "./s3_pieces.ts";
import type { S3Config } from "./s3_location.ts";

/** Options of {@link S3Store}. */
export interface S3StoreOptions {
  /** Local directory for files being appended (required to write). */
  spool?: string | undefined;
  /** Bytes of ranges kept by the read cache (default 32 MiB). */
  cacheBytes?: number;
  /** Multipart above this size, in parts of this size (default 64 MiB; S3's minimum is 5 MiB). */
  partBytes?: number;
  /** Retries of failed requests. */
  retry?: RetryPolicy;
}

const LOCK = "writer.lock";

/** The archive in object storage; see the module doc. */
export class S3Store implements Store {
  /** The requests. */
  readonly client: S3Client;
  private readonly cache: ByteLru<string, Uint8Array>;
  private readonly partBytes: number;

  constructor(readonly config: S3Config, private readonly options: S3StoreOptions = {}) {
    this.client = new S3Client(config, options.retry);
    this.cache = new ByteLru(options.cacheBytes ?? 32 << 20);
    this.partBytes = options.partBytes ?? 64 << 20;
  }

  get location(): string {
    return `s3://${this.config.bucket}${this.config.prefix ? `/${this.config.prefix}` : ""}`;
  }

  describe(path: string): string {
    return `${this.location}/${path}`;
  }

  private key(path: string): string {
    return this.config.prefix ? `${this.config.prefix}/${path}` : path;
  }

  private spoolPath(path: string): string {
    if (!this.options.spool) {
      throw new Deno.errors.NotSupported(
        `writing to ${this.location} needs a local stage directory (--stage DIR)`,
      );
    }
    return `${this.options.spool}/${path}`;
  }

  size(path: string): Promise<number | null> {
    if (PIECED_PATHS.has(path)) return piecedSize(this.client, this.key(path));
    return this.client.head(this.key(path));
  }

  read(path: string): Promise<Uint8Array | null> {
    if (PIECED_PATHS.has(path)) return piecedRead(this.client, this.key(path));
    return this.client.get(this.key(path));
  }

  async readAt(path: string, offset: number, length: number): Promise<Uint8Array> {
    const id = `${path}\0${offset}\0${length}`;
    const hit = this.cache.get(id);
    if (hit) return hit.slice();
    const bytes = PIECED_PATHS.has(path)
      ? await piecedReadAt(this.client, this.key(path), offset, length) ??
        ((await this.size(path)) === null ? null : new Uint8Array(0))
      : await this.client.getRange(this.key(path), offset, length);
    if (bytes === null) throw new Deno.errors.NotFound(`${this.describe(path)}: no such object`);
    if (bytes.length < length) {
      throw shortRead(this.describe(path), offset + bytes.length, length - bytes.length);
    }
    if (length <= this.cache.maxBytes / 8) this.cache.set(id, bytes, length);
    return bytes.slice();
  }

  async list(dir: string): Promise<string[]> {
    const base = this.key(dir ? `${dir}/` : "");
    const from = this.config.prefix && !dir ? `${this.config.prefix}/` : base;
    const r = await this.client.list(from);
    const names = [
      ...r.keys.map((k) => k.slice(from.length)),
      ...r.prefixes.map((p) => p.slice(from.length).replace(/\/$/, "")),
    ];
    return names.filter((n) => n.length > 0).sort();
  }

  async replace(path: string, data: Uint8Array | string): Promise<void> {
    if (PIECED_PATHS.has(path)) throw new TypeError(`${path} is kept in pieces: use openAppend`);
    this.forget(path);
    await this.client.put(this.key(path), data);
  }

  async remove(path: string): Promise<void> {
    this.forget(path);
    if (PIECED_PATHS.has(path)) await piecedRemove(this.client, this.key(path));
    else await this.client.delete(this.key(path));
    if (this.options.spool) await new LocalStore(this.options.spool).remove(path);
  }

  async rename(from: string, to: string): Promise<void> {
    this.forget(from);
    this.forget(to);
    const local = this.options.spool ? this.spoolPath(from) : null;
    if (local && exists(local)) {
      await this.upload(local, this.key(to));
      await this.client.delete(this.key(from)); // an earlier upload of it
      Deno.removeSync(local);
      return;
    }
    await this.client.copy(this.key(from), this.key(to));
    await this.client.delete(this.key(from));
  }

  async openAppend(path: string, truncate?: number): Promise<AppendFile> {
    this.forget(path);
    const local = this.spoolPath(path);
    Deno.mkdirSync(local.slice(0, local.lastIndexOf("/")), { recursive: true });
    const pieced = PIECED_PATHS.has(path), key = this.key(path);
    let remoteLength = 0;
    if (truncate !== 0) {
      // The bucket's copy is the durable one (a resume point is recorded only after its upload);
      // a spool file left by an earlier run may be stale.
      const remote = pieced ? await piecedRead(this.client, key) : await this.client.get(key);
      Deno.writeFileSync(local, remote ?? new Uint8Array(0));
      remoteLength = remote?.length ?? 0;
    }
    const fd = openSync(local, "a+");
    const publish = path.endsWith(".tmp")
      ? null
      : pieced
      ? (f: SpoolFile) =>
        piecedPublish(this.client, key, f.descriptor, local, f.length, f.dirtyFrom, f.remoteLength)
      : () => this.upload(local, key);
    const file = new SpoolFile(fd, local, remoteLength, publish);
    if (truncate !== undefined) file.truncate(truncate);
    return file;
  }

  /**
   * Uploads the local file (a sealed chunk in the stage, a repaired file) as `path`, checked like
   * every upload; a file kept in pieces is uploaded piece by piece.
   */
  async importFile(localPath: string, path: string): Promise<void> {
    this.forget(path);
    if (!PIECED_PATHS.has(path)) return await this.upload(localPath, this.key(path));
    const key = this.key(path), remote = (await piecedSize(this.client, key)) ?? 0;
    const fd = openSync(localPath, "r");
    try {
      await piecedPublish(this.client, key, fd, localPath, fstatSync(fd).size, 0, remote);
    } finally {
      closeSync(fd);
    }
  }

  /** Uploads the local file `local` as `key`: one PUT, or multipart in parts of `partBytes`. */
  private async upload(local: string, key: string): Promise<void> {
    const size = Deno.statSync(local).size;
    if (size <= this.partBytes) {
      await this.client.put(key, Deno.readFileSync(local));
    } else {
      const id = await this.client.createMultipart(key);
      // Recorded (durably) so that the next writer aborts it if this one is killed mid-upload.
      const record = this.options.spool
        ? `${this.options.spool}/multipart/${encodeURIComponent(key)}.json`
        : null;
      if (record) {
        Deno.mkdirSync(record.slice(0, record.lastIndexOf("/")), { recursive: true });
        writeFileAtomic(record, JSON.stringify({ key, id }));
      }
      const fd = openSync(local, "r");
      try {
        const etags: string[] = [];
        for (let at = 0, n = 1; at < size; at += this.partBytes, n++) {
          const part = new Uint8Array(Math.min(this.partBytes, size - at));
          preadExact(fd, part, at, local);
          etags.push(await this.client.uploadPart(key, id, n, part));
        }
        await this.client.completeMultipart(key, id, etags);
      } catch (e) {
        await this.client.abortMultipart(key, id).catch(() => {});
        throw e;
      } finally {
        closeSync(fd);
        if (record) Deno.removeSync(record);
      }
    }
    const stored = await this.client.head(key);
    if (stored !== size) {
      throw new Error(`${key}: uploaded ${size} bytes, the bucket holds ${stored}`);
    }
  }

  async lock(options: { create?: boolean } = {}): Promise<StoreLock> {
    const spool = this.options.spool;
    if (!spool) this.spoolPath(LOCK); // throws the "needs --stage" error
    if (!options.create && (await this.list("")).length === 0) {
      throw new Deno.errors.NotFound(`${this.location}: no archive there`);
    }
    const local = await new LocalStore(spool!).lock({ create: true });
    try {
      const idPath = `${spool}/writer.id`;
      if (!exists(idPath)) Deno.writeTextFileSync(idPath, crypto.randomUUID());
      const me = Deno.readTextFileSync(idPath).trim();
      const held = await this.client.get(this.key(LOCK));
      if (held) {
        let h: { writer?: string; pid?: number; since?: string } = {};
        try {
          h = JSON.parse(new TextDecoder().decode(held));
        } catch {
          // not ours: treated as another writer's
        }
        if (h.writer !== me) {
          const holder: { pid?: number; since?: string } = {};
          if (h.pid !== undefined) holder.pid = h.pid;
          if (h.since !== undefined) holder.since = h.since;
          throw new ArchiveLockedError(
            `${this.location} (another stage directory; if that writer is gone, delete ` +
              `${this.describe(LOCK)})`,
            holder,
          );
        }
      }
      await this.abortLeftUploads();
      await this.client.put(
        this.key(LOCK),
        JSON.stringify({ writer: me, pid: Deno.pid, since: new Date().toISOString() }) + "\n",
      );
    } catch (e) {
      local.release();
      throw e;
    }
    let held = true;
    return {
      release: async () => {
        if (!held) return;
        held = false;
        try {
          // A lock object left behind (a failed delete) is taken over by the next run from this stage.
          await this.client.delete(this.key(LOCK)).catch(() => {});
        } finally {
          local.release();
        }
      },
    };
  }

  /** Aborts the multipart uploads a killed writer left: those the bucket lists and those the spool recorded. */
  private async abortLeftUploads(): Promise<void> {
    const left = await this.client.listMultipart(this.key(""));
    const dir = `${this.options.spool}/multipart`;
    const records: string[] = [];
    try {
      for (const e of Deno.readDirSync(dir)) {
        records.push(`${dir}/${e.name}`);
        left.push(JSON.parse(Deno.readTextFileSync(`${dir}/${e.name}`)));
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    for (const u of left) await this.client.abortMultipart(u.key, u.id);
    for (const r of records) Deno.removeSync(r);
    this.abortedUploads += left.length;
  }

  /** Multipart uploads left by killed writers that {@link lock} sent aborts for. */
  abortedUploads = 0;

  close(): void {
    this.cache.clear();
  }

  private forget(path: string): void {
    this.cache.deleteWhere((k) => k.startsWith(`${path}\0`));
  }
}

/**
 * A spool file: local appends; `sync` fsyncs, then publishes (unless a
 * `.tmp`) — pieced files from the lowest byte changed since the last sync.
 */
class SpoolFile extends LocalAppendFile {
  /** Lowest offset changed since the last publish. */
  dirtyFrom: number;
  constructor(
    fd: number,
    path: string,
    /** Bytes the bucket holds (as of open or the last publish). */
    public remoteLength: number,
    private readonly publish: ((f: SpoolFile) => Promise<void>) | null,
  ) {
    super(fd, path);
    this.dirtyFrom = remoteLength;
  }
  /** The open descriptor. */
  get descriptor(): number {
    return this.fd;
  }
  override truncate(length: number): void {
    if (length > this.len) throw shortRead(this.path, this.len, length - this.len);
    super.truncate(length);
    this.dirtyFrom = Math.min(this.dirtyFrom, length);
  }
  override async sync(): Promise<void> {
    await super.sync();
    if (!this.publish) return;
    await this.publish(this);
    this.remoteLength = this.len;
    this.dirtyFrom = this.len;
  }
}
