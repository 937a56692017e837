/**
 * The S3 requests blkpipe makes — HEAD, GET (whole or one range), PUT with
 * Content-MD5, DELETE, ListObjectsV2, CopyObject, multipart uploads — signed
 * with SigV4 by the `aws4fetch` package (the one adapter around it), with
 * retries and exponential backoff for network errors, 5xx and 429, and
 * one-line errors that never contain the secret.
 *
 * Why aws4fetch: one small file (≈ 400 lines), no dependencies, built on
 * `fetch` and Web Crypto (so it needs no permission beyond the network),
 * maintained and widely used (Cloudflare Workers' recommended S3 client).
 *
 * @module
 */

// A full specifier, not the import map's bare name: scripts outside this project import mod.ts.
// deno-lint-ignore no-import-prefix
import { AwsClient } from "npm:aws4fetch@1.0.20";
import { createHash } from "node:crypto";
import type { S3Config } from "./s3_location.ts";

/** S3 refused the credentials or the request (HTTP 4xx other than 404). */
export class S3RequestError extends Error {
  constructor(readonly status: number, readonly code: string, what: string, hint: string) {
    super(`${what}: S3 answered ${status} ${code}${hint ? ` — ${hint}` : ""}`);
    this.name = "S3RequestError";
  }
}

/** The endpoint could not be reached (after the retries). */
export class S3UnavailableError extends Error {
  constructor(endpoint: string, what: string, cause: string) {
    super(
      `cannot reach the S3 endpoint ${endpoint} (${what}: ${cause}); nothing recorded was ` +
        `lost — run the command again when it is back`,
    );
    this.name = "S3UnavailableError";
  }
}

const AUTH_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "ExpiredToken",
  "InvalidToken",
]);

/** Retry policy: attempts and the first backoff (doubled each time). */
export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
}

/** A bucket's requests. Keys are full object keys (prefix included). */
export class S3Client {
  private readonly aws: AwsClient;
  /** Requests sent (retries included). */
  requests = 0;

  constructor(
    readonly config: S3Config,
    readonly retry: RetryPolicy = { attempts: 6, firstDelayMs: 200 },
  ) {
    this.aws = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
      service: "s3",
      region: config.region,
      retries: 0,
    });
  }

  private url(key: string, query = ""): string {
    const path = key.split("/").map(encodeURIComponent).join("/");
    return `${this.config.endpoint}/${this.config.bucket}/${path}${query}`;
  }

  /** Sends with retries; returns the response (any status) or throws S3UnavailableError. */
  private async send(
    what: string,
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string },
  ): Promise<Response> {
    const request: RequestInit = {
      ...(init.method ? { method: init.method } : {}),
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body as Uint8Array<ArrayBuffer> | string } : {}),
    };
    let delay = this.retry.firstDelayMs;
    for (let attempt = 1;; attempt++) {
      let failure: string;
      try {
        this.requests++;
        const res = await this.aws.fetch(url, request);
        if ((res.status < 500 || res.status === 501) && res.status !== 429) return res;
        failure = `HTTP ${res.status}`;
        await res.body?.cancel();
      } catch (e) {
        if (e instanceof Deno.errors.NotCapable) throw e;
        failure = (e as Error).message.split("\n")[0]!;
      }
      if (attempt >= this.retry.attempts) {
        throw new S3UnavailableError(this.config.endpoint, what, failure);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }

  /** Throws the one-line error for an unexpected answer. */
  private async fail(res: Response, what: string): Promise<never> {
    const text = await res.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? res.statusText;
    const hint = AUTH_CODES.has(code)
      ? `check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) for ${this.config.endpoint}`
      : code === "NoSuchBucket"
      ? `create the bucket ${this.config.bucket} first`
      : "";
    throw new S3RequestError(res.status, code, what, hint);
  }

  /** Object size, or null when absent. */
  async head(key: string): Promise<number | null> {
    const res = await this.send(`HEAD ${key}`, this.url(key), { method: "HEAD" });
    if (res.status === 404) return null;
    if (!res.ok) return await this.fail(res, `HEAD ${key}`);
    return Number(res.headers.get("content-length"));
  }

  /** The whole object, or null when absent. */
  async get(key: string): Promise<Uint8Array | null> {
    const res = await this.send(`GET ${key}`, this.url(key), {});
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) return await this.fail(res, `GET ${key}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Bytes [offset, offset + length) (fewer at the end of the object), or null when absent. */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | null> {
    const what = `GET ${key} bytes ${offset}+${length}`;
    const res = await this.send(what, this.url(key), {
      headers: { Range: `bytes=${offset}-${offset + length - 1}` },
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (res.status === 416) {
      await res.body?.cancel();
      return new Uint8Array(0);
    }
    if (!res.ok) return await this.fail(res, what);
    const bytes = new Uint8Array(await res.arrayBuffer());
    // A server that ignores Range sends everything (200).
    return res.status === 200 ? bytes.subarray(offset, offset + length) : bytes;
  }

  /** Writes the object in one request, checked by Content-MD5 (the server refuses a mismatch). */
  async put(key: string, body: Uint8Array | string): Promise<void> {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const md5 = createHash("md5").update(bytes).digest();
    const res = await this.send(`PUT ${key}`, this.url(key), {
      method: "PUT",
      body: bytes,
      headers: { "Content-MD5": md5.toString("base64") },
    });
    if (!res.ok) return await this.fail(res, `PUT ${key}`);
    await res.body?.cancel();
    const etag = res.headers.get("etag")?.replaceAll('"', "");
    if (etag && etag !== md5.toString("hex")) {
      throw new S3RequestError(
        res.status,
        "BadDigest",
        `PUT ${key}`,
        "the stored ETag is not the MD5 sent",
      );
    }
  }

  /** Deletes the object (absent is fine). */
  async delete(key: string): Promise<void> {
    const res = await this.send(`DELETE ${key}`, this.url(key), { method: "DELETE" });
    if (!res.ok && res.status !== 404) return await this.fail(res, `DELETE ${key}`);
    await res.body?.cancel();
  }

  /** Server-side copy (objects up to 5 GB). */
  async copy(from: string, to: string): Promise<void> {
    const source = `/${this.config.bucket}/${from.split("/").map(encodeURIComponent).join("/")}`;
    const res = await this.send(`COPY ${from} → ${to}`, this.url(to), {
      method: "PUT",
      headers: { "x-amz-copy-source": source },
    });
    const text = await res.text();
    if (!res.ok || text.includes("<Error>")) {
      return await this.fail(
        new Response(text, { status: res.ok ? 500 : res.status }),
        `COPY ${from}`,
      );
    }
  }

  /** Keys and common prefixes directly under `prefix` (with delimiter "/"), all pages. */
  async list(prefix: string): Promise<{ keys: string[]; sizes: number[]; prefixes: string[] }> {
    const keys: string[] = [], sizes: number[] = [], prefixes: string[] = [];
    let token = "";
    for (;;) {
      const q = `?list-type=2&delimiter=%2F&prefix=${encodeURIComponent(prefix)}${
        token ? `&continuation-token=${encodeURIComponent(token)}` : ""
      }`;
      const res = await this.send(
        `LIST ${prefix}`,
        `${this.config.endpoint}/${this.config.bucket}${q}`,
        {},
      );
      if (!res.ok) return await this.fail(res, `LIST ${prefix}`);
      const xml = await res.text();
      for (const m of xml.matchAll(/<Contents>(.*?)<\/Contents>/gs)) {
        keys.push(unxml(/<Key>([^<]*)<\/Key>/.exec(m[1]!)?.[1] ?? ""));
        sizes.push(Number(/<Size>(\d+)<\/Size>/.exec(m[1]!)?.[1] ?? 0));
      }
      for (const m of xml.matchAll(/<CommonPrefixes>\s*<Prefix>([^<]*)<\/Prefix>/g)) {
        prefixes.push(unxml(m[1]!));
      }
      const next = /<NextContinuationToken>([^<]*)</.exec(xml)?.[1];
      if (!/<IsTruncated>true</.test(xml) || !next) return { keys, sizes, prefixes };
      token = unxml(next);
    }
  }

  /** Starts a multipart upload; returns its id. */
  async createMultipart(key: string): Promise<string> {
    const res = await this.send(`UPLOAD ${key}`, this.url(key, "?uploads"), { method: "POST" });
    if (!res.ok) return await this.fail(res, `UPLOAD ${key}`);
    const id = /<UploadId>([^<]*)</.exec(await res.text())?.[1];
    if (!id) throw new S3RequestError(res.status, "NoUploadId", `UPLOAD ${key}`, "");
    return id;
  }

  /** Uploads part `n` (from 1), checked by Content-MD5; returns its ETag. */
  async uploadPart(key: string, id: string, n: number, body: Uint8Array): Promise<string> {
    const md5 = createHash("md5").update(body).digest("base64");
    const what = `UPLOAD ${key} part ${n}`;
    const res = await this.send(
      what,
      this.url(key, `?partNumber=${n}&uploadId=${encodeURIComponent(id)}`),
      {
        method: "PUT",
        body,
        headers: { "Content-MD5": md5 },
      },
    );
    if (!res.ok) return await this.fail(res, what);
    await res.body?.cancel();
    return res.headers.get("etag") ?? "";
  }

  /** Completes the upload from its parts' ETags. */
  async completeMultipart(key: string, id: string, etags: string[]): Promise<void> {
    const body = `<CompleteMultipartUpload>${
      etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join(
        "",
      )
    }</CompleteMultipartUpload>`;
    const what = `COMPLETE ${key}`;
    const res = await this.send(what, this.url(key, `?uploadId=${encodeURIComponent(id)}`), {
      method: "POST",
      body,
    });
    const text = await res.text();
    if (!res.ok || text.includes("<Error>")) {
      return await this.fail(new Response(text, { status: res.ok ? 500 : res.status }), what);
    }
  }

  /** Aborts an upload (its parts are deleted); false where the server cannot (s3rver: 405). */
  async abortMultipart(key: string, id: string): Promise<boolean> {
    const res = await this.send(
      `ABORT ${key}`,
      this.url(key, `?uploadId=${encodeURIComponent(id)}`),
      {
        method: "DELETE",
      },
    );
    if (res.status === 405 || res.status === 501) {
      await res.body?.cancel();
      return false;
    }
    if (!res.ok && res.status !== 404) return await this.fail(res, `ABORT ${key}`);
    await res.body?.cancel();
    return true;
  }

  /** Unfinished multipart uploads under `prefix`: key and upload id ([] where the server cannot list them). */
  async listMultipart(prefix: string): Promise<Array<{ key: string; id: string }>> {
    const q = `?uploads&prefix=${encodeURIComponent(prefix)}`;
    const res = await this.send(
      `LIST UPLOADS ${prefix}`,
      `${this.config.endpoint}/${this.config.bucket}${q}`,
      {},
    );
    if (res.status === 501) {
      await res.body?.cancel();
      return [];
    }
    if (!res.ok) return await this.fail(res, `LIST UPLOADS ${prefix}`);
    const xml = await res.text();
    return [...xml.matchAll(/<Upload>.*?<Key>([^<]*)<\/Key>.*?<UploadId>([^<]*)<\/UploadId>/gs)]
      .map(
        (m) => ({ key: unxml(m[1]!), id: m[2]! }),
      );
  }
}

function unxml(s: string): string {
  return s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'").replaceAll("&amp;", "&");
}
