/**
 * Esplora's REST paths (under `/api/`) → {@link ArchiveQuery} calls →
 * responses with Esplora's status codes: unknown hash or txid 404, malformed
 * parameters 400, what needs a node or a mempool 501 (JSON message),
 * a damaged archive frame 500 with a one-line reason (the server goes on).
 *
 * @module
 */

import { hashFromHex, toHex } from "../bytes/hex.ts";
import { CorruptDataError } from "../bytes/errors.ts";
import { VoutOutOfRangeError } from "../index/outpoint_index.ts";
import { type ArchiveQuery, NotFoundError } from "./archive_query.ts";
import type { ResponseCache } from "./response_cache.ts";

/** A malformed parameter (HTTP 400). */
class BadRequest extends Error {}

const text = (body: string, status = 200) =>
  new Response(body, { status, headers: { "content-type": "text/plain" } });
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const binary = (body: Uint8Array) =>
  new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/octet-stream" },
  });

function hash(s: string | undefined, what: string): Uint8Array {
  if (!s || !/^[0-9a-fA-F]{64}$/.test(s)) throw new BadRequest(`Invalid ${what}`);
  return hashFromHex(s);
}

function int(s: string | undefined, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!s || !/^\d{1,15}$/.test(s) || Number(s) > max) throw new BadRequest(`Invalid ${what}`);
  return Number(s);
}

const NEEDS_NODE = /^(mempool|fee-estimates|address|scripthash|v1|broadcast)(\/|$)/;

/** Answers one request (`path` is below `/api/`, without the query string). */
async function route(q: ArchiveQuery, method: string, path: string): Promise<Response> {
  // mempool.space's /v1/block(s) (what mempool.js asks): Esplora's block format, a subset of theirs.
  if (/^v1\/blocks?(\/|$)/.test(path)) path = path.slice(3);
  const p = path.split("/");
  if (method === "POST" && path === "tx") {
    return json({ error: "POST /tx needs a node: this is an archive" }, 501);
  }
  if (method !== "GET" && method !== "HEAD") return text("Method not allowed", 405);
  if (NEEDS_NODE.test(path)) {
    return json({
      error: `/api/${path} needs a node or a mempool: this server answers from an archive`,
    }, 501);
  }
  switch (p[0]) {
    case "blocks":
      if (p[1] === "tip" && p.length === 3) {
        if (p[2] === "height") return text(String(q.tipHeight));
        if (p[2] === "hash") return text(await q.hashAt(q.tipHeight));
      }
      if (p.length === 1) return json(await q.blocks());
      if (p.length === 2) return json(await q.blocks(int(p[1], "height")));
      break;
    case "block-height":
      if (p.length === 2) return text(await q.hashAt(int(p[1], "height")));
      break;
    case "block": {
      const h = hash(p[1], "block hash");
      if (p.length === 2) return json(await q.block(h));
      if (p.length === 3 && p[2] === "header") return text(await q.header(h));
      if (p.length === 3 && p[2] === "status") return json(await q.blockStatus(h));
      if (p.length === 3 && p[2] === "txids") return json(await q.txids(h));
      if (p.length === 3 && p[2] === "raw") return binary(await q.rawBlock(h));
      if (p.length === 4 && p[2] === "txid") {
        const ids = await q.txids(h);
        const i = int(p[3], "index");
        if (i >= ids.length) throw new BadRequest("Invalid index");
        return text(ids[i]!);
      }
      if ((p.length === 3 || p.length === 4) && p[2] === "txs") {
        const start = p.length === 4 ? int(p[3], "start index") : 0;
        if (start % 25 !== 0) throw new BadRequest("start index must be a multiple of 25");
        try {
          return json(await q.blockTxs(h, start));
        } catch (e) {
          if (e instanceof RangeError) throw new BadRequest("start index out of range");
          throw e;
        }
      }
      break;
    }
    case "tx": {
      const id = hash(p[1], "txid");
      if (p.length === 2) return json(await q.tx(id));
      if (p.length === 3 && p[2] === "status") return json(await q.txStatus(id));
      if (p.length === 3 && p[2] === "hex") return text(toHex(await q.rawTx(id)));
      if (p.length === 3 && p[2] === "raw") return binary(await q.rawTx(id));
      if (p.length === 3 && p[2] === "merkle-proof") return json(await q.merkleProof(id));
      if (p.length === 3 && p[2] === "outspends") return json(await q.outspends(id));
      if (p.length === 4 && p[2] === "outspend") {
        return json(await q.outspend(id, int(p[3], "vout", 0xffffffff)));
      }
      break;
    }
  }
  return text("Not found", 404);
}

/**
 * The request handler for `Deno.serve`: Esplora's paths under `/api/`;
 * answers of immutable paths are kept in `cache` when given.
 */
export function esploraHandler(
  q: ArchiveQuery,
  log: (line: string) => void = () => {},
  cache?: ResponseCache,
): (req: Request) => Promise<Response> {
  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname.length > 512) return text("URI too long", 414);
    if (!url.pathname.startsWith("/api/")) return text("Not found", 404);
    try {
      const path = url.pathname.slice(5).replace(/\/$/, "");
      const get = req.method === "GET" || req.method === "HEAD";
      const hit = get ? cache?.get(path) : null;
      let res = hit ?? await route(q, req.method, path);
      if (get && !hit && cache) res = await cache.put(path, res);
      return req.method === "HEAD"
        ? new Response(null, { status: res.status, headers: res.headers })
        : res;
    } catch (e) {
      if (e instanceof BadRequest) return text(e.message, 400);
      if (e instanceof NotFoundError) return text(e.message, 404);
      if (e instanceof VoutOutOfRangeError) return text("Invalid vout", 400);
      const line = e instanceof CorruptDataError
        ? e.message
        : `${(e as Error).name}: ${(e as Error).message}`;
      log(`error: ${req.method} ${url.pathname}: ${line}`);
      return text(`archive error: ${line.split("\n")[0]}`, 500);
    }
  };
}
