/**
 * Where a Worker's modules come from: Deno asks for read permission on a
 * worker's module files, which live under blkpipe's `lib/`; without it the
 * worker starts from the same modules' text, which the program imported
 * (static imports need no permission; see `blob_modules.ts`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/**
 * The URL to start a Worker from: its module `file` where this process may read blkpipe's `lib/`,
 * else `fromText()` (the same modules as blob URLs, made from imported text).
 *
 * @example
 * ```ts
 * import { workerModuleUrl } from "./module_access.ts";
 * const file = new URL("./request_pool.ts", import.meta.url);
 * const url = workerModuleUrl(file, () => "blob:from-text");
 * if (url !== file.href && url !== "blob:from-text") throw new Error(url);
 * ```
 */
export function workerModuleUrl(file: URL, fromText: () => string): string {
  return modulesReadable() ? file.href : fromText();
}

/** Whether this process may read blkpipe's `lib/` (always, when it is not a local directory). */
function modulesReadable(): boolean {
  const lib = new URL("../", import.meta.url);
  if (lib.protocol !== "file:") return true;
  const path = fileURLToPath(lib).replace(/\/$/, "");
  return Deno.permissions.querySync({ name: "read", path }).state === "granted";
}
