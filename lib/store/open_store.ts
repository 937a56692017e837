/**
 * One way to open an archive location: a directory path, or
 * `s3://bucket/prefix` (configured from the AWS environment variables).
 *
 * @module
 */

import { LocalStore } from "./local_store.ts";
import { isS3Url, s3Config } from "./s3_location.ts";
import { S3Store } from "./s3_store.ts";
import type { Store } from "./store.ts";

/**
 * The store at `location`. `stage`: a local directory for what a writer
 * builds before it goes to object storage (required to write to S3). `scan`:
 * a whole-archive pass, whose reads leave local files' access times alone
 * (see {@link LocalStore}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * const store = openStore(Deno.makeTempDirSync());
 * assert.equal(await store.read("manifest.json"), null);
 * ```
 */
export function openStore(
  location: string,
  o: { stage?: string | undefined; scan?: boolean } = {},
): Store {
  if (!isS3Url(location)) return new LocalStore(location, { scan: o.scan ?? false });
  return new S3Store(s3Config(location), { spool: o.stage ? `${o.stage}/spool` : undefined });
}
