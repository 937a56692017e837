/**
 * Hashing: SHA-256 and double SHA-256 (one message or many per call) and XXH64.
 *
 * @module
 */

export { sha256, sha256d } from "./sha256.ts";
export { Sha256Batch } from "./sha256_batch.ts";
export { newXxh64, type Xxh64, xxh64Low } from "./xxh64.ts";
