/**
 * `s3://bucket/prefix` locations and their configuration, read the way AWS
 * tools read it: `AWS_ENDPOINT_URL` (path-style addressing; default AWS in
 * `AWS_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `AWS_REGION` (default us-east-1).
 *
 * @module
 */

/** The environment variables read (the `--allow-env` list). */
export const S3_ENV = [
  "AWS_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
] as const;

/** Where an archive lives in object storage, and how to reach it. */
export interface S3Config {
  /** Endpoint URL without a trailing slash (path-style: endpoint/bucket/key). */
  endpoint: string;
  region: string;
  bucket: string;
  /** Key prefix without leading or trailing slash ("" for the bucket's root). */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** A configuration problem, said in one line (never with the secret). */
export class S3ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "S3ConfigError";
  }
}

/** True for `s3://…` locations. */
export function isS3Url(location: string): boolean {
  return location.startsWith("s3://");
}

/**
 * The configuration for `url` from `env` (default: the process environment).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { s3Config } from "./s3_location.ts";
 * const c = s3Config("s3://archive/btc/main", {
 *   AWS_ENDPOINT_URL: "http://127.0.0.1:9000/",
 *   AWS_ACCESS_KEY_ID: "id",
 *   AWS_SECRET_ACCESS_KEY: "secret",
 * });
 * assert.deepEqual([c.endpoint, c.bucket, c.prefix, c.region], [
 *   "http://127.0.0.1:9000", "archive", "btc/main", "us-east-1",
 * ]);
 * ```
 */
export function s3Config(url: string, env?: Record<string, string | undefined>): S3Config {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new S3ConfigError(`${url}: not an s3://bucket/prefix location`);
  const get = (name: (typeof S3_ENV)[number]) => {
    if (env) return env[name];
    try {
      return Deno.env.get(name);
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) {
        throw new S3ConfigError(
          `${url}: reading ${name} needs --allow-env=${S3_ENV.join(",")}`,
        );
      }
      throw e;
    }
  };
  const region = get("AWS_REGION") || "us-east-1";
  const accessKeyId = get("AWS_ACCESS_KEY_ID"), secretAccessKey = get("AWS_SECRET_ACCESS_KEY");
  if (!accessKeyId || !secretAccessKey) {
    throw new S3ConfigError(
      `${url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a ` +
        `store other than AWS)`,
    );
  }
  const endpoint = (get("AWS_ENDPOINT_URL") || `https://s3.${region}.amazonaws.com`)
    .replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+$/.test(endpoint)) {
    throw new S3ConfigError(`AWS_ENDPOINT_URL ${endpoint}: expected http(s)://host[:port]`);
  }
  return {
    endpoint,
    region,
    bucket: m[1]!,
    prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, ""),
    accessKeyId,
    secretAccessKey,
    sessionToken: get("AWS_SESSION_TOKEN") || undefined,
  };
}
