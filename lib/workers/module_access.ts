/**
 * Whether Workers can load blkpipe's modules: Deno asks for read
 * permission on a worker's module files, which live under blkpipe's `lib/`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/**
 * The path of blkpipe's `lib/` when this process may not read it (so workers cannot load their
 * modules from there: add `--allow-read=` it), else null.
 *
 * @example
 * ```ts
 * import { unreadableModules } from "./module_access.ts";
 * const path = unreadableModules();
 * if (path !== null && !path.endsWith("/lib")) throw new Error(path);
 * ```
 */
export function unreadableModules(): string | null {
  const lib = new URL("../", import.meta.url);
  if (lib.protocol !== "file:") return null;
  const path = fileURLToPath(lib).replace(/\/$/, "");
  return Deno.permissions.querySync({ name: "read", path }).state === "granted" ? null : path;
}
