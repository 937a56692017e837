/**
 * The storage layer's interface: the only code that touches bytes at rest
 * implements it. Paths are `/`-separated and relative to the store's root.
 * Reads are asynchronous so that object storage can implement them with
 * range requests; appends go through an {@link AppendFile} (local disk, or
 * a local stage that object storage uploads when the file is complete).
 *
 * Errors: a read past the end of a file is a `CorruptDataError` with code
 * `short-read` naming the file and offset; a missing file read with
 * {@link Store.read} or {@link Store.size} is `null`, with
 * {@link Store.readAt} `Deno.errors.NotFound`.
 *
 * @module
 */

/** A file open for appending (the open chunk, the height index, rejects.jsonl). */
export interface AppendFile {
  /** Current length in bytes. */
  readonly length: number;
  /** Appends all of `bytes`. */
  append(bytes: Uint8Array): void;
  /** Reads back `buf.length` bytes at `offset` (what was appended is readable at once). */
  readAt(buf: Uint8Array, offset: number): void;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): void;
  /**
   * Makes everything appended durable (fsync; in object storage also the
   * upload, which the returned promise waits for — await it before
   * recording anything that relies on the file).
   */
  sync(): void | Promise<void>;
  /** Closes the file. */
  close(): void;
}

/** The exclusive writer lock of a store; released by {@link StoreLock.release} or process exit. */
export interface StoreLock {
  /** Releases the lock (object storage: the returned promise waits for the lock object's removal). */
  release(): void | Promise<void>;
}

/** A place where an archive's files live. */
export interface Store {
  /** Human-readable location (a directory path, a URL) for messages. */
  readonly location: string;
  /** Full name of `path` for messages. */
  describe(path: string): string;
  /** Size of `path`, or null when it does not exist. */
  size(path: string): Promise<number | null>;
  /** The whole file, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Exactly `length` bytes at `offset` of `path`. */
  readAt(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** Names (not paths) of the entries directly under `dir` ("" for the root); [] when absent. */
  list(dir: string): Promise<string[]>;
  /** Atomically replaces `path` with `data`: readers see the old or the new file, never a mix. */
  replace(path: string, data: Uint8Array | string): Promise<void>;
  /** Removes `path` (no error when it does not exist). */
  remove(path: string): Promise<void>;
  /** Moves `from` to `to` durably (replacing `to`). */
  rename(from: string, to: string): Promise<void>;
  /** Opens `path` for appending, creating it; `truncate` first cuts it to that length. */
  openAppend(path: string, truncate?: number): Promise<AppendFile>;
  /**
   * Takes the exclusive writer lock, or throws `ArchiveLockedError` at once
   * when another writer holds it. A lock left by a killed process is free.
   * The location must exist (`Deno.errors.NotFound` otherwise) unless `create`
   * (a writer that may create the archive).
   */
  lock(options?: { create?: boolean }): Promise<StoreLock>;
  /**
   * Optional: publishes the local file `localPath` as `path` in one step
   * (object storage uploads it directly instead of copying it through a
   * spool file first).
   */
  importFile?(localPath: string, path: string): Promise<void>;
  /** Releases cached handles; the store stays usable. */
  close(): void;
}

/** Another process holds the writer lock of a store (one writer per archive). */
export class ArchiveLockedError extends Error {
  /** The holder's process id, when known. */
  readonly pid: number | undefined;
  constructor(location: string, holder: { pid?: number; since?: string } | undefined) {
    const who = holder?.pid !== undefined
      ? `process ${holder.pid}${holder.since ? ` (since ${holder.since})` : ""}`
      : "another process";
    super(
      `${location} is being written by ${who}: one writer per archive — wait for it to finish ` +
        "or stop it, then run again",
    );
    this.name = "ArchiveLockedError";
    this.pid = holder?.pid;
  }
}
