/**
 * Finished responses of the immutable endpoints (a block or transaction
 * once archived never changes: `/block/:hash[/header|txids|txid/:i|txs|raw]`,
 * `/block-height/:h`, `/tx/:txid[/status|hex|raw|merkle-proof]`), kept in
 * a byte-bounded LRU so that popular blocks and transactions cost a map
 * lookup. Not cached: what the chain's growth changes (tip, block lists,
 * block status, outspends) and every error.
 *
 * @module
 */

import { ByteLru } from "../bytes/byte_lru.ts";

const IMMUTABLE = new RegExp(
  "^(block/[0-9a-f]{64}(/(header|txids|txid/\\d+|txs(/\\d+)?|raw))?" +
    "|block-height/\\d+" +
    "|tx/[0-9a-f]{64}(/(status|hex|raw|merkle-proof))?)$",
);

/** One cached answer. */
interface Cached {
  body: Uint8Array;
  type: string;
}

/** A byte-bounded LRU of finished 200 responses, keyed by path below `/api/`. */
export class ResponseCache {
  private readonly lru: ByteLru<string, Cached>;
  /** Answers served from the cache. */
  hits = 0;

  /** Keeps up to `maxBytes` of response bodies (0: off). */
  constructor(readonly maxBytes: number) {
    this.lru = new ByteLru(maxBytes);
  }

  /** True when `path`'s answer never changes (and may be kept). */
  static cacheable(path: string): boolean {
    return IMMUTABLE.test(path);
  }

  /** The cached response for `path`, or null. */
  get(path: string): Response | null {
    const c = this.lru.get(path);
    if (!c) return null;
    this.hits++;
    return respond(c);
  }

  /** Keeps a copy of `res` (a 200 for a cacheable path) and returns the response to send. */
  async put(path: string, res: Response): Promise<Response> {
    if (this.maxBytes <= 0 || res.status !== 200 || !ResponseCache.cacheable(path)) return res;
    const body = new Uint8Array(await res.arrayBuffer());
    const c = { body, type: res.headers.get("content-type") ?? "text/plain" };
    if (body.length <= this.maxBytes / 16) this.lru.set(path, c, body.length);
    return respond(c);
  }
}

function respond(c: Cached): Response {
  return new Response(c.body as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": c.type,
      // Confirmed data: as Esplora marks it.
      "cache-control": "public, max-age=157784630",
    },
  });
}
