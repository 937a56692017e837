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
import { workerSources } from "../workers/blob_modules.ts";

/** The package the worker's modules import by name, as the specifier they use. */
export const HASH_WASM = "npm:hash-wasm@4.13.0";

/**
 * hash-wasm as an ES module: its UMD build sets `globalThis.hashwasm` where there is no module
 * system; the names the worker's modules import are re-exported from there.
 */
const HASH_WASM_MODULE = `${hashWasmUmd}
export const { createXXHash64 } = globalThis.hashwasm;
`;

const SOURCES = workerSources(
  import.meta.url,
  {
    "../bytes/errors.ts": bytesErrors,
    "../bytes/grow.ts": bytesGrow,
    "../bytes/releasable.ts": bytesReleasable,
    "../hash/xxh64.ts": hashXxh64,
    "./_segment_write_worker.ts": indexSegmentWriteWorker,
    "./entry_batch.ts": indexEntryBatch,
    "../segment/bloom.ts": segmentBloom,
    "../segment/compare.ts": segmentCompare,
    "../segment/memory_run.ts": segmentMemoryRun,
    "../segment/prefix_table.ts": segmentPrefixTable,
    "../segment/segment.ts": segmentSegment,
    "../segment/segment_format.ts": segmentSegmentFormat,
    "../segment/segment_writer.ts": segmentSegmentWriter,
    "../segment/sort_in_place.ts": segmentSortInPlace,
    "../segment/utxo_entry.ts": segmentUtxoEntry,
    "../segment/utxo_merge.ts": segmentUtxoMerge,
    "../store/local_store.ts": storeLocalStore,
    "../store/pread.ts": storePread,
    "../store/scan_open.ts": storeScanOpen,
    "../store/store.ts": storeStore,
  },
  "./_segment_write_worker.ts",
  { [HASH_WASM]: HASH_WASM_MODULE },
);

/** The URLs of the worker's modules (its whole graph but any package), for tests. */
export const SEGMENT_WORKER_MODULES: readonly string[] = SOURCES.modules;

/** The worker as a blob module graph (made once per process and kept). */
export function segmentWorkerBlobUrl(): string {
  return SOURCES.url();
}
