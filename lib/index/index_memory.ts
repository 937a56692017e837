/**
 * How `--mem`, the budget of the whole `collect --check utxo` or `index` process, becomes the
 * chain index's own budget (the UTXO cache, the entry slabs, the segments' filters and
 * directories: {@link ChainIndexerOptions.memBytes}).
 *
 * The rest of the process does not shrink with `--mem`: the runtime, the worker threads, the
 * frames and blocks in flight. Measured peak RSS on the 1.25 GiB mainnet-shaped bench chain,
 * against the index's budget B: `index` (one worker) ≈ 292 MiB + 0.49–0.56·B, `index --workers 0`
 * ≈ 205 MiB + 0.5·B, `collect --check utxo` (two workers) ≈ 484 MiB + 0.49·B. So the index gets
 * what is left after {@link PROCESS_RESERVE}, counted at {@link INDEX_RSS_PER_BYTE}, and never more
 * than `--mem` itself; each worker thread above a command's default adds {@link PER_EXTRA_WORKER}
 * to the reserve. One function for both commands: the same `--mem` at their default workers gives
 * the same index budget, so `collect --check utxo` and `index` still write identical index files.
 *
 * @example
 * ```ts
 * import { chainIndexMem, MIN_PROCESS_MEM } from "./index_memory.ts";
 * const MiB = 2 ** 20;
 * if (chainIndexMem(1024 * MiB) !== 930 * MiB) throw new Error("1 GiB leaves the index 930 MiB");
 * if (chainIndexMem(4096 * MiB) !== 4096 * MiB) throw new Error("never more than --mem");
 * if (chainIndexMem(MIN_PROCESS_MEM) < 64 * MiB) throw new Error("the floor");
 * ```
 *
 * @module
 */

const MiB = 2 ** 20;

/** What the process holds outside the chain index's budget, with a margin (see the module doc). */
export const PROCESS_RESERVE = 512 * MiB;

/** Resident bytes per byte of the chain index's budget, with a margin (measured 0.49–0.56). */
export const INDEX_RSS_PER_BYTE = 0.55;

/** The least chain index budget `--mem` may leave (smaller ones checkpoint every few blocks). */
export const MIN_INDEX_MEM = 64 * MiB;

/**
 * What each worker thread beyond a command's default count (`collect` 2, `index` 1) adds to the
 * reserve: its isolate and the frames it keeps in flight (measured at `--mem 548MiB`: `collect
 * --check utxo` 474 → 613 MiB from 2 to 4 workers, `index` 318 → 423 → 542 MiB from 1 to 2 to 4).
 */
export const PER_EXTRA_WORKER = 100 * MiB;

/** What a process with `extraWorkers` beyond its command's default holds outside the index. */
function reserveFor(extraWorkers: number): number {
  return PROCESS_RESERVE + PER_EXTRA_WORKER * Math.max(0, extraWorkers);
}

/** The least `--mem` with `extraWorkers` beyond the default: the reserve plus the least index. */
export function minProcessMem(extraWorkers = 0): number {
  return Math.ceil((reserveFor(extraWorkers) + INDEX_RSS_PER_BYTE * MIN_INDEX_MEM) / MiB) * MiB;
}

/** The least `--mem` at the default workers: {@link PROCESS_RESERVE} plus the least index. */
export const MIN_PROCESS_MEM: number = minProcessMem(0);

/** `--mem` below {@link minProcessMem}. */
export class MemoryBudgetError extends RangeError {
  constructor(processBytes: number, extraWorkers = 0) {
    const least = minProcessMem(extraWorkers) / MiB;
    const reserve = reserveFor(extraWorkers) / MiB;
    const workers = extraWorkers > 0
      ? ` (with ${extraWorkers} worker${extraWorkers > 1 ? "s" : ""} above the default, ` +
        `≈${PER_EXTRA_WORKER / MiB} MiB each)`
      : "";
    super(
      `--mem ${Math.floor(processBytes / MiB)}MiB is below the ${least}MiB this process needs: ` +
        `the runtime, its worker threads and the blocks in flight take about ${reserve} MiB ` +
        `beside the chain index${workers}; give --mem ${least}MiB or more (or --index-mem SIZE ` +
        `to size the index's own part, the process then taking ≈${reserve} MiB more)`,
    );
    this.name = "MemoryBudgetError";
  }
}

/**
 * The chain index's budget within a whole-process budget of `processBytes` (whole MiB) for a
 * process running `extraWorkers` worker threads beyond its command's default: what is left
 * after the reserve ({@link PROCESS_RESERVE}, plus {@link PER_EXTRA_WORKER} per extra worker) at
 * {@link INDEX_RSS_PER_BYTE}, at most `processBytes`. Throws {@link MemoryBudgetError} below
 * {@link minProcessMem}. Fewer workers than the default change nothing, so that the two commands
 * at their defaults get the same budget.
 */
export function chainIndexMem(processBytes: number, extraWorkers = 0): number {
  const extra = Math.max(0, extraWorkers);
  if (!(processBytes >= minProcessMem(extra))) throw new MemoryBudgetError(processBytes, extra);
  const left = Math.floor((processBytes - reserveFor(extra)) / INDEX_RSS_PER_BYTE / MiB) * MiB;
  return Math.min(processBytes, left);
}

/** The default `--mem`: 1 GiB for the whole process. */
export const DEFAULT_PROCESS_MEM = 1024 * MiB;
