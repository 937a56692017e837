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
import { workerSources } from "../workers/blob_modules.ts";

const SOURCES = workerSources(import.meta.url, {
  "../archive/zstd_compress_sync.ts": archiveZstdCompressSync,
  "../bitcoin/block_layout.ts": bitcoinBlockLayout,
  "../bitcoin/header.ts": bitcoinHeader,
  "../bitcoin/merkle.ts": bitcoinMerkle,
  "../bitcoin/network.ts": bitcoinNetwork,
  "../bitcoin/pow.ts": bitcoinPow,
  "../bitcoin/script_push.ts": bitcoinScriptPush,
  "../bitcoin/txid.ts": bitcoinTxid,
  "../bitcoin/witness_commitment.ts": bitcoinWitnessCommitment,
  "../bytes/cursor.ts": bytesCursor,
  "../bytes/errors.ts": bytesErrors,
  "../bytes/grow.ts": bytesGrow,
  "../bytes/hex.ts": bytesHex,
  "../hash/_sha256_x4_kernel.ts": hashSha256X4Kernel,
  "../hash/_wasm_assembler.ts": hashWasmAssembler,
  "../hash/sha256.ts": hashSha256,
  "../hash/sha256_batch.ts": hashSha256Batch,
  "../store/pread.ts": storePread,
  "../store/scan_open.ts": storeScanOpen,
  "./_check_worker.ts": validateCheckWorker,
  "./check_block.ts": validateCheckBlock,
  "./duplicate_keys.ts": validateDuplicateKeys,
  "./reject.ts": validateReject,
  "./sigops.ts": validateSigops,
}, "./_check_worker.ts");

/** The URLs of the worker's modules (its whole graph but any package), for tests. */
export const CHECK_WORKER_MODULES: readonly string[] = SOURCES.modules;

/** The worker as a blob module graph (made once per process and kept). */
export function checkWorkerBlobUrl(): string {
  return SOURCES.url();
}
