/**
 * The open chunk's appends and its running SHA-256, the two costs of
 * writing a chunk that grow with its bytes. {@link ThreadChunkAppender}
 * moves both off the calling thread: a Worker (started from in-memory code,
 * so it needs no file-read permission; it inherits the write permission the
 * chunk needs) opens the chunk file by its path, appends the frames it is
 * given (their buffers transferred, not copied) in order and hashes them.
 * The caller makes them durable as before — {@link ChunkAppender.drain}
 * first, then the file's own `sync` — so a resume point still covers only
 * bytes that are on disk. {@link InlineChunkAppender} does the same work on
 * the calling thread, for files that have no local path.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import type { FrameSpares } from "./frame_spares.ts";
import type { AppendFile } from "../store/store.ts";
import { LocalAppendFile } from "../store/local_store.ts";
import { type PoolReply, RequestPool, transferable } from "../workers/request_pool.ts";

const PIECE = 4 << 20;
/** Bytes handed to the thread and not yet written before `append` waits. */
const IN_FLIGHT_LIMIT = 32 << 20;

const WORKER_SOURCE = `
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, writeSync } from "node:fs";
let fd = -1, hasher = null, failed = null;
function closeFile() {
  if (fd >= 0) closeSync(fd);
  fd = -1;
}
function begin(path, prefix) {
  closeFile();
  fd = openSync(path, "a+");
  hasher = createHash("sha256");
  const buf = new Uint8Array(Math.max(1, Math.min(prefix, ${PIECE})));
  for (let at = 0; at < prefix;) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, prefix - at), at);
    if (n === 0) throw new Error(path + " ends at byte " + at + ", before its durable length " + prefix);
    hasher.update(buf.subarray(0, n));
    at += n;
  }
}
function append(bytes) {
  for (let done = 0; done < bytes.length;) {
    done += writeSync(fd, bytes, done, bytes.length - done, null);
  }
  hasher.update(bytes);
}
self.onmessage = (e) => {
  const m = e.data;
  try {
    if (failed) throw failed;
    if (m.op === "begin") begin(m.path, m.prefix);
    else if (m.op === "append") {
      append(m.bytes);
      // Sent back to be freed where it came from: this isolate allocates too little to collect
      // its garbage often, so buffers left here would pile up (+200-280 MiB of RSS measured).
      return self.postMessage({ id: m.id, bytes: m.bytes }, [m.bytes.buffer]);
    }
    else if (m.op === "digest") {
      const sha256 = hasher.digest("hex");
      hasher = null;
      closeFile();
      return self.postMessage({ id: m.id, sha256 });
    }
    self.postMessage({ id: m.id });
  } catch (err) {
    failed ??= err;
    self.postMessage({ id: m.id, error: String(err && err.message || err) });
  }
};
`;

/** Appends a chunk's bytes and hashes them; see the module doc. */
export interface ChunkAppender {
  /** Starts on `file`, whose first `prefix` bytes are already written (hashed from disk). */
  begin(file: AppendFile, prefix: number): void;
  /** Appends `bytes` (the buffer may be given away: do not use it afterwards). */
  append(bytes: Uint8Array): Promise<void>;
  /** Resolves once every byte appended is written to the file (not yet fsynced). */
  drain(): Promise<void>;
  /** The SHA-256 (hex) of the whole file as appended; ends the file. */
  digest(): Promise<string>;
  /** Stops: the file is left as written so far. */
  close(): void;
}

/** {@link ChunkAppender} on the calling thread. */
export class InlineChunkAppender implements ChunkAppender {
  private file: AppendFile | undefined;
  private hasher: Hash | undefined;

  /** `spares`: where appended buffers go once written (for the compressors to reuse). */
  constructor(private readonly spares?: FrameSpares) {}

  begin(file: AppendFile, prefix: number): void {
    this.file = file;
    this.hasher = createHash("sha256");
    const buf = new Uint8Array(Math.max(1, Math.min(prefix, PIECE)));
    for (let at = 0; at < prefix;) {
      const n = Math.min(buf.length, prefix - at);
      file.readAt(buf.subarray(0, n), at);
      this.hasher.update(buf.subarray(0, n));
      at += n;
    }
  }

  append(bytes: Uint8Array): Promise<void> {
    this.file!.append(bytes);
    this.hasher!.update(bytes);
    this.spares?.give(bytes);
    return Promise.resolve();
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  digest(): Promise<string> {
    const sha256 = this.hasher!.digest("hex");
    this.hasher = undefined;
    this.file = undefined;
    return Promise.resolve(sha256);
  }

  close(): void {
    this.hasher = undefined;
    this.file = undefined;
  }
}

interface Reply extends PoolReply {
  sha256?: string;
  bytes?: Uint8Array;
}

/** {@link ChunkAppender} on a Worker of its own (a local file only: it opens the file's path). */
export class ThreadChunkAppender implements ChunkAppender {
  private pool: RequestPool<Reply> | undefined;
  private url: string | undefined;
  private file: LocalAppendFile | undefined;
  /** Requests not yet awaited: each settles to its error or null, and never rejects. */
  private queue: { done: Promise<Error | null>; bytes: number }[] = [];
  private inFlight = 0;

  /** `spares`: where appended buffers go once written (for the compressors to reuse). */
  constructor(private readonly spares?: FrameSpares) {}

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (!this.pool) {
      this.url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
      this.pool = new RequestPool<Reply>(this.url, 1, "chunk writer thread");
    }
    return this.pool.request(message, transfer);
  }

  private enqueue(reply: Promise<Reply>, bytes: number): void {
    this.queue.push({ done: reply.then(() => null, (e: Error) => e), bytes });
    this.inFlight += bytes;
  }

  /** Waits for the oldest request; throws its error. */
  private async settleOldest(): Promise<void> {
    const { done, bytes } = this.queue.shift()!;
    this.inFlight -= bytes;
    const error = await done;
    if (error) throw error;
  }

  begin(file: AppendFile, prefix: number): void {
    if (!(file instanceof LocalAppendFile)) {
      throw new TypeError("a thread appends to local files only");
    }
    this.file = file;
    this.enqueue(this.request({ op: "begin", path: file.path, prefix }), 0);
  }

  async append(bytes: Uint8Array): Promise<void> {
    const length = bytes.length; // the buffer is detached once sent
    const owned = transferable(bytes, true);
    const reply = this.request({ op: "append", bytes: owned }, [owned.buffer as ArrayBuffer]);
    if (this.spares) reply.then((r) => r.bytes && this.spares!.give(r.bytes), () => {});
    this.enqueue(reply, length);
    this.file!.appendedElsewhere(length);
    while (this.inFlight > IN_FLIGHT_LIMIT) await this.settleOldest();
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.settleOldest();
  }

  async digest(): Promise<string> {
    await this.drain();
    const { sha256 } = await this.request({ op: "digest" });
    this.file = undefined;
    return sha256!;
  }

  close(): void {
    this.queue = [];
    this.inFlight = 0;
    this.file = undefined;
    this.pool?.close(); // the worker's descriptor closes with it
    this.pool = undefined;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = undefined;
  }
}

/** True when a {@link ThreadChunkAppender} can append to `file`. */
export function threadCanAppend(file: AppendFile): boolean {
  return file instanceof LocalAppendFile;
}
