/**
 * The collect job (blocks directory → verified archive, resumable) and the
 * verification of what it wrote.
 *
 * @module
 */

export {
  collect,
  type CollectOptions,
  type CollectProgress,
  type CollectSummary,
  DEFAULT_CHECKPOINT_BYTES,
} from "./collect.ts";
export { defaultCollectWorkers, MAX_DEFAULT_WORKERS } from "./default_workers.ts";
export type { PipelineSnapshot } from "./pipeline_snapshot.ts";
export { verifyCollected, type VerifyCollectedOptions } from "./verify_collected.ts";
