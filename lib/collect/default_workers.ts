/**
 * How many worker threads collect starts when none is asked for.
 *
 * @module
 */

import type { CheckLevel } from "../validate/check_block.ts";

/**
 * The most workers collect starts by default. Each worker checks blocks and compresses frames at
 * ≈180 MB/s of blk files on this project's machine; the main and writer threads (≈0.8 and ≈1
 * core-second per GiB) cap collect near 1–1.3 GB/s, which 6–8 workers reach, and each worker adds
 * ≈40–50 MiB of peak RSS (629 MiB with 8 on the 1.26 GiB bench chain).
 */
export const MAX_DEFAULT_WORKERS = 8;

/**
 * collect's workers when `--workers` is not given: one per core of `cores` (the main thread and
 * the writer thread need about a third of a core between them), at most
 * {@link MAX_DEFAULT_WORKERS} — so that collect scales with the machine without a flag. At
 * `--check utxo` it stays 2: the chain-wide rules run on the main thread, which more workers do
 * not speed up, and `--mem` reserves memory for every worker beyond 2.
 *
 * @example
 * ```ts
 * import { defaultCollectWorkers } from "./default_workers.ts";
 * if (defaultCollectWorkers(16, "full") !== 8) throw new Error("capped at 8");
 * if (defaultCollectWorkers(1, "headers") !== 1) throw new Error("one core, one worker");
 * if (defaultCollectWorkers(16, "utxo") !== 2) throw new Error("utxo keeps 2");
 * ```
 */
export function defaultCollectWorkers(cores: number, check: CheckLevel): number {
  if (check === "utxo") return 2;
  const n = Number.isFinite(cores) && cores >= 1 ? Math.floor(cores) : 2;
  return Math.min(n, MAX_DEFAULT_WORKERS);
}

/** {@link defaultCollectWorkers} for this machine (`navigator.hardwareConcurrency`). */
export function defaultCollectWorkersHere(check: CheckLevel): number {
  return defaultCollectWorkers(navigator.hardwareConcurrency, check);
}
