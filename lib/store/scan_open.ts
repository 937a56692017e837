/**
 * Reads that do not count as use. A chunk file's access time is when a user
 * last read it (`get`, `export`, `serve`: the kernel keeps it, nothing is
 * written on their read path), and `recompress --cold` goes by it. The
 * whole-archive passes — `verify`, `parity`, `recompress`, `index` — open
 * files with Linux's `O_NOATIME`, so that a weekly scrub does not make every
 * chunk look hot. The kernel allows the flag to the file's owner and to root;
 * anyone else gets a plain open (and touches the access time, as before).
 *
 * @module
 */

import { closeSync, constants, openSync, readSync } from "node:fs";

/** Linux's `O_NOATIME` flag (0 where node:fs has none). */
export const O_NOATIME: number = constants.O_NOATIME ?? 0;

/**
 * Opens `path` read-only for a whole-archive pass: without updating its
 * access time where the kernel allows it, else as a plain read. Throws what
 * node:fs throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeSync, readSync } from "node:fs";
 * import { openForScan } from "./scan_open.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeFileSync(path, Uint8Array.of(7));
 * const old = new Date(Date.now() - 3 * 86_400_000);
 * Deno.utimeSync(path, old, old);
 * const fd = openForScan(path);
 * readSync(fd, new Uint8Array(1), 0, 1, 0);
 * closeSync(fd);
 * assert.equal(Deno.statSync(path).atime?.getTime(), old.getTime());
 * ```
 */
export function openForScan(path: string): number {
  if (O_NOATIME !== 0) {
    try {
      return openSync(path, constants.O_RDONLY | O_NOATIME);
    } catch (e) {
      // EPERM: not the file's owner (the flag is theirs and root's only).
      if ((e as { code?: string } | null)?.code !== "EPERM") throw e;
    }
  }
  return openSync(path, "r");
}

/**
 * Whether the file system holding `dir` records when files are read (it is
 * not mounted `noatime`): a probe file in `dir`, its times set three days
 * back, read once; `relatime` (the default) then updates its access time,
 * `noatime` does not. Needs write access to `dir`; the probe is removed.
 */
export function recordsAccessTimes(dir: string): boolean {
  const probe = `${dir}/.atime-probe-${Deno.pid}`;
  Deno.writeFileSync(probe, Uint8Array.of(0));
  try {
    const old = new Date(Date.now() - 3 * 86_400_000);
    Deno.utimeSync(probe, old, old);
    const fd = openSync(probe, "r");
    try {
      readSync(fd, new Uint8Array(1), 0, 1, 0);
    } finally {
      closeSync(fd);
    }
    const atime = Deno.statSync(probe).atime?.getTime() ?? 0;
    return atime > old.getTime() + 86_400_000;
  } finally {
    Deno.removeSync(probe);
  }
}
