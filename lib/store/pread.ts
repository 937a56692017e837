/**
 * The positioned I/O helpers. Reads:  `pread` through node:fs (safe to
 * interleave with other readers and with appends, ≈20× faster than the
 * async paths here). A short read is a {@link CorruptDataError} with code
 * `short-read` naming the file and offset — the same error everywhere.
 *
 * @module
 */

import { readSync, writeSync } from "node:fs";
import { CorruptDataError } from "../bytes/errors.ts";

/**
 * Fills `buf` from `fd` at `position`; `file` names the file in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSync, closeSync } from "node:fs";
 * import { preadExact } from "./pread.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeFileSync(path, Uint8Array.of(1, 2, 3, 4));
 * const fd = openSync(path, "r");
 * const buf = new Uint8Array(2);
 * preadExact(fd, buf, 1, path);
 * closeSync(fd);
 * assert(buf[0] === 2 && buf[1] === 3);
 * ```
 */
export function preadExact(fd: number, buf: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw shortRead(file, position + done, buf.length - done);
    done += n;
  }
}

/** The error for a file that ends before the bytes a reader needs. */
export function shortRead(file: string, offset: number, missing: number): CorruptDataError {
  return new CorruptDataError(
    "short-read",
    `file ends ${missing} byte(s) early (truncated or damaged)`,
    { file, offset, field: "read" },
  );
}

/** Writes all of `bytes` to `fd` at `position` (null: at the file's current position / end). */
export function pwriteAll(fd: number, bytes: Uint8Array, position: number | null): void {
  for (let done = 0; done < bytes.length;) {
    done += writeSync(
      fd,
      bytes,
      done,
      bytes.length - done,
      position === null ? null : position + done,
    );
  }
}
