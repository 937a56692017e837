/**
 * The check worker's modules as text (static text imports: they need no read
 * permission, unlike a Worker's module files), so that a run without read
 * access to blkpipe's `lib/` still validates on workers
 * ({@link blobModuleGraph}). The list is the check worker's whole module
 * graph; a test compares it with `deno info`.
 *
 * @module
 */

import archiveZstdCompressSync from "../archive/zstd_compress_sync.ts" with { type: "text" };
import bitcoinBlockLayout from "../bitcoin/block_layout.ts" with { type: "text" };
import bitcoinHeader from "../bitcoin/header.ts" with { type: "text" };
import bitcoinMerkle from "../bitcoin/merkle.ts" with { type: "text" };
import bitcoinNetwork from "../bitcoin/network.ts" with { type: "text" };
import bitcoinPow from "../bitcoin/pow.ts" with { type: "text" };
import bitcoinScriptPush from "../bitcoin/script_push.ts" with { type: "text" };
import bitcoinTxid from "../bitcoin/txid.ts" with { type: "text" };
import bitcoinWitnessCommitment from "../bitcoin/witness_commitment.ts" with { type: "text" };
import bytesCursor from "../bytes/cursor.ts" with { type: "text" };
import bytesErrors from "../bytes/errors.ts" with { type: "text" };
import bytesGrow from "../bytes/grow.ts" with { type: "text" };
import bytesHex from "../bytes/hex.ts" with { type: "text" };
import hashSha256X4Kernel from "../hash/_sha256_x4_kernel.ts" with { type: "text" };
import hashWasmAssembler from "../hash/_wasm_assembler.ts" with { type: "text" };
import hashSha256 from "../hash/sha256.ts" with { type: "text" };
import hashSha256Batch from "../hash/sha256_batch.ts" with { type: "text" };
import storePread from "../store/pread.ts" with { type: "text" };
import storeScanOpen from "../store/scan_open.ts" with { type: "text" };
import validateCheckWorker from "./_check_worker.ts" with { type: "text" };
import validateCheckBlock from "./check_block.ts" with { type: "text" };
import validateDuplicateKeys from "./duplicate_keys.ts" with { type: "text" };
import validateReject from "./reject.ts" with { type: "text" };
import validateSigops from "./sigops.ts" with { type: "text" };
import { blobModuleGraph, type BlobModules } from "../workers/blob_modules.ts";

const SOURCES: Record<string, string> = {
  [new URL("../archive/zstd_compress_sync.ts", import.meta.url).href]: archiveZstdCompressSync,
  [new URL("../bitcoin/block_layout.ts", import.meta.url).href]: bitcoinBlockLayout,
  [new URL("../bitcoin/header.ts", import.meta.url).href]: bitcoinHeader,
  [new URL("../bitcoin/merkle.ts", import.meta.url).href]: bitcoinMerkle,
  [new URL("../bitcoin/network.ts", import.meta.url).href]: bitcoinNetwork,
  [new URL("../bitcoin/pow.ts", import.meta.url).href]: bitcoinPow,
  [new URL("../bitcoin/script_push.ts", import.meta.url).href]: bitcoinScriptPush,
  [new URL("../bitcoin/txid.ts", import.meta.url).href]: bitcoinTxid,
  [new URL("../bitcoin/witness_commitment.ts", import.meta.url).href]: bitcoinWitnessCommitment,
  [new URL("../bytes/cursor.ts", import.meta.url).href]: bytesCursor,
  [new URL("../bytes/errors.ts", import.meta.url).href]: bytesErrors,
  [new URL("../bytes/grow.ts", import.meta.url).href]: bytesGrow,
  [new URL("../bytes/hex.ts", import.meta.url).href]: bytesHex,
  [new URL("../hash/_sha256_x4_kernel.ts", import.meta.url).href]: hashSha256X4Kernel,
  [new URL("../hash/_wasm_assembler.ts", import.meta.url).href]: hashWasmAssembler,
  [new URL("../hash/sha256.ts", import.meta.url).href]: hashSha256,
  [new URL("../hash/sha256_batch.ts", import.meta.url).href]: hashSha256Batch,
  [new URL("../store/pread.ts", import.meta.url).href]: storePread,
  [new URL("../store/scan_open.ts", import.meta.url).href]: storeScanOpen,
  [new URL("./_check_worker.ts", import.meta.url).href]: validateCheckWorker,
  [new URL("./check_block.ts", import.meta.url).href]: validateCheckBlock,
  [new URL("./duplicate_keys.ts", import.meta.url).href]: validateDuplicateKeys,
  [new URL("./reject.ts", import.meta.url).href]: validateReject,
  [new URL("./sigops.ts", import.meta.url).href]: validateSigops,
};

/** The URLs of the check worker's modules (its whole graph), for tests. */
export const CHECK_WORKER_MODULES: readonly string[] = Object.keys(SOURCES);

let graph: BlobModules | undefined;

/**
 * The check worker as a blob module graph (made once per process and kept: workers may start
 * at any time). Throws if a module's imports reach beyond the list.
 */
export function checkWorkerBlobUrl(): string {
  graph ??= blobModuleGraph(SOURCES, new URL("./_check_worker.ts", import.meta.url).href);
  return graph.url;
}
