/**
 * `deno task serve --archive DIR`: the archive as an Esplora-compatible
 * HTTP API (read-only; needs the chain index: `deno task index`).
 *
 * @module
 */

import { ArchiveQuery } from "../lib/serve/archive_query.ts";
import { esploraHandler } from "../lib/serve/esplora_routes.ts";
import { ResponseCache } from "../lib/serve/response_cache.ts";
import { isS3Url } from "../lib/store/s3_location.ts";
import { consoleIo, intFlag, type Io, parse, runCommand, UsageError } from "./_common.ts";

const USAGE =
  `usage: deno task serve --archive DIR|s3://BUCKET/PREFIX [--index-dir DIR] [--host 127.0.0.1] [--port 3000] [--cache MiB]

Serves the archive's blocks and transactions over Esplora's REST API under /api/ (point an Esplora
client or mempool.js at http://HOST:PORT). Needs the archive's index (\`deno task index\`).
Restart it to see blocks collected after it started.

  --archive DIR   the archive (a directory, or s3://bucket/prefix with --index-dir)
  --index-dir DIR the chain index, when it is not in the archive's directory (required for s3://;
                  build it with \`deno task index --archive s3://… --index-dir DIR\`)
  --host H        address to listen on (default 127.0.0.1)
  --port N        port (default 3000; 0 picks a free one)
  --cache MiB     decompressed frames and block parses kept in memory (default 256), plus up to a
                  quarter of it (at most 256 MiB) of finished answers for immutable paths`;

/** Runs the server until SIGINT/SIGTERM (or `signal`); returns the exit code. */
export function main(args: string[], io: Io = consoleIo, signal?: AbortSignal): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      archive: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      cache: { type: "string" },
      "index-dir": { type: "string" },
    });
    if (!values.archive) throw new UsageError("--archive is required");
    const indexDir = values["index-dir"];
    if (isS3Url(values.archive) && !indexDir) {
      throw new UsageError(
        `--index-dir DIR is required for ${values.archive}: the chain index is local files ` +
          `(build it with \`deno task index --archive ${values.archive} --index-dir DIR\`)`,
      );
    }
    const port = intFlag(values.port, "port", 3000);
    if (port > 65535) throw new UsageError("--port must be 0..65535");
    const cacheBytes = intFlag(values.cache, "cache", 256) * 2 ** 20;
    const q = await ArchiveQuery.open(values.archive, { cacheBytes, indexDir });
    const responses = new ResponseCache(Math.min(cacheBytes / 4, 256 * 2 ** 20));
    const abort = new AbortController();
    signal?.addEventListener("abort", () => abort.abort());
    const stop = () => abort.abort();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    try {
      const server = Deno.serve({
        hostname: values.host ?? "127.0.0.1",
        port,
        signal: abort.signal,
        onListen: ({ hostname, port }) =>
          io.out(
            `serving ${values.archive} (heights ${q.reader.startHeight}..${q.tipHeight}) on ` +
              `http://${hostname}:${port}/api/`,
          ),
      }, esploraHandler(q, io.err, responses));
      await server.finished;
      return 0;
    } finally {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      q.close();
    }
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
