/**
 * An archive as an Esplora-compatible HTTP API: the queries
 * (`ArchiveQuery`), Esplora's JSON shapes, and the request handler for
 * `Deno.serve`.
 *
 * @module
 */

export { ArchiveQuery, NotFoundError } from "./archive_query.ts";
export { difficulty, type EsploraOutput, type EsploraStatus } from "./esplora_format.ts";
export { esploraHandler } from "./esplora_routes.ts";
export { ResponseCache } from "./response_cache.ts";
