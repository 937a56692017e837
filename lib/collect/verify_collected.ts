/**
 * `verifyCollected`: the archive's own checks plus collect's — every block
 * re-validated at the chosen level and the resume point against the tip.
 * What `deno task verify` runs.
 *
 * @module
 */

import { verifyArchive, type VerifyReport } from "../archive/verify_archive.ts";
import type { Store } from "../store/store.ts";
import type { CheckLevel } from "../validate/check_block.ts";
import { checkCollectPipeline, consensusBlockCheck } from "./block_check.ts";

/** Options of {@link verifyCollected}. */
export interface VerifyCollectedOptions {
  /** Re-validation level (default full). */
  level?: CheckLevel;
  /** Progress callback per chunk. */
  onChunk?: ((id: number, report: VerifyReport) => void) | undefined;
}

/**
 * Verifies an archive written by collect; lists every problem, never throws for damaged data.
 *
 * @example
 * ```ts ignore
 * const report = await verifyCollected("/mnt/archive/btc");
 * for (const p of report.problems) console.log(p.code, p.where, p.detail);
 * ```
 */
export function verifyCollected(
  store: Store | string,
  options: VerifyCollectedOptions = {},
): Promise<VerifyReport> {
  return verifyArchive(store, {
    blockCheck: consensusBlockCheck(options.level ?? "full"),
    checkPipeline: checkCollectPipeline,
    onChunk: options.onChunk,
  });
}
