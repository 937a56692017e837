/**
 * The index's segment writer thread's modules as text, and hash-wasm's
 * (the one package they import), so that a run without read access to
 * blkpipe's `lib/` (or to the package's files) still writes a checkpoint's
 * spend segment on a thread of its own ({@link blobModuleGraph}). The list is
 * the worker's whole module graph; a test compares it with `deno info`.
 *
 * @module
 */

import bytesErrors from "../bytes/errors.ts" with { type: "text" };
import bytesGrow from "../bytes/grow.ts" with { type: "text" };
import bytesReleasable from "../bytes/releasable.ts" with { type: "text" };
import hashXxh64 from "../hash/xxh64.ts" with { type: "text" };
import indexSegmentWriteWorker from "./_segment_write_worker.ts" with { type: "text" };
import indexEntryBatch from "./entry_batch.ts" with { type: "text" };
import segmentBloom from "../segment/bloom.ts" with { type: "text" };
import segmentCompare from "../segment/compare.ts" with { type: "text" };
import segmentMemoryRun from "../segment/memory_run.ts" with { type: "text" };
import segmentPrefixTable from "../segment/prefix_table.ts" with { type: "text" };
import segmentSegment from "../segment/segment.ts" with { type: "text" };
import segmentSegmentFormat from "../segment/segment_format.ts" with { type: "text" };
import segmentSegmentWriter from "../segment/segment_writer.ts" with { type: "text" };
import segmentSortInPlace from "../segment/sort_in_place.ts" with { type: "text" };
import segmentUtxoEntry from "../segment/utxo_entry.ts" with { type: "text" };
import segmentUtxoMerge from "../segment/utxo_merge.ts" with { type: "text" };
import storeLocalStore from "../store/local_store.ts" with { type: "text" };
import storePread from "../store/pread.ts" with { type: "text" };
import storeScanOpen from "../store/scan_open.ts" with { type: "text" };
import storeStore from "../store/store.ts" with { type: "text" };
// deno-lint-ignore no-import-prefix
import hashWasmUmd from "npm:hash-wasm@4.13.0/dist/index.umd.js" with { type: "text" };
import { blobModuleGraph, type BlobModules } from "../workers/blob_modules.ts";

const SOURCES: Record<string, string> = {
  [new URL("../bytes/errors.ts", import.meta.url).href]: bytesErrors,
  [new URL("../bytes/grow.ts", import.meta.url).href]: bytesGrow,
  [new URL("../bytes/releasable.ts", import.meta.url).href]: bytesReleasable,
  [new URL("../hash/xxh64.ts", import.meta.url).href]: hashXxh64,
  [new URL("./_segment_write_worker.ts", import.meta.url).href]: indexSegmentWriteWorker,
  [new URL("./entry_batch.ts", import.meta.url).href]: indexEntryBatch,
  [new URL("../segment/bloom.ts", import.meta.url).href]: segmentBloom,
  [new URL("../segment/compare.ts", import.meta.url).href]: segmentCompare,
  [new URL("../segment/memory_run.ts", import.meta.url).href]: segmentMemoryRun,
  [new URL("../segment/prefix_table.ts", import.meta.url).href]: segmentPrefixTable,
  [new URL("../segment/segment.ts", import.meta.url).href]: segmentSegment,
  [new URL("../segment/segment_format.ts", import.meta.url).href]: segmentSegmentFormat,
  [new URL("../segment/segment_writer.ts", import.meta.url).href]: segmentSegmentWriter,
  [new URL("../segment/sort_in_place.ts", import.meta.url).href]: segmentSortInPlace,
  [new URL("../segment/utxo_entry.ts", import.meta.url).href]: segmentUtxoEntry,
  [new URL("../segment/utxo_merge.ts", import.meta.url).href]: segmentUtxoMerge,
  [new URL("../store/local_store.ts", import.meta.url).href]: storeLocalStore,
  [new URL("../store/pread.ts", import.meta.url).href]: storePread,
  [new URL("../store/scan_open.ts", import.meta.url).href]: storeScanOpen,
  [new URL("../store/store.ts", import.meta.url).href]: storeStore,
};

/** The package the worker's modules import by name, as the specifier they use. */
export const HASH_WASM = "npm:hash-wasm@4.13.0";

/**
 * hash-wasm as an ES module: its UMD build sets `globalThis.hashwasm` where there is no module
 * system; the names the worker's modules import are re-exported from there.
 */
const HASH_WASM_MODULE = `${hashWasmUmd}
export const { createXXHash64 } = globalThis.hashwasm;
`;

/** The URLs of the segment writer thread's modules (its whole graph but the package), for tests. */
export const SEGMENT_WORKER_MODULES: readonly string[] = Object.keys(SOURCES);

let graph: BlobModules | undefined;

/** The segment writer thread as a blob module graph (made once per process and kept). */
export function segmentWorkerBlobUrl(): string {
  graph ??= blobModuleGraph(
    SOURCES,
    new URL("./_segment_write_worker.ts", import.meta.url).href,
    { [HASH_WASM]: HASH_WASM_MODULE },
  );
  return graph.url;
}
