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
 * than `--mem` itself. One function for both commands: the same `--mem` gives the same index
 * budget, so `collect --check utxo` and `index` still write identical index files.
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

/** The least `--mem`: {@link PROCESS_RESERVE} plus {@link MIN_INDEX_MEM}'s resident part. */
export const MIN_PROCESS_MEM: number = Math.ceil(
  (PROCESS_RESERVE + INDEX_RSS_PER_BYTE * MIN_INDEX_MEM) / MiB,
) * MiB;

/** `--mem` below {@link MIN_PROCESS_MEM}. */
export class MemoryBudgetError extends RangeError {
  constructor(processBytes: number) {
    super(
      `--mem ${Math.floor(processBytes / MiB)}MiB is below the ${MIN_PROCESS_MEM / MiB}MiB this ` +
        `process needs: the runtime, its worker threads and the blocks in flight take about ` +
        `${PROCESS_RESERVE / MiB} MiB beside the chain index; give --mem ${
          MIN_PROCESS_MEM / MiB
        }MiB or more (or --index-mem SIZE to size the index's own part, the process then taking ` +
        `≈${PROCESS_RESERVE / MiB} MiB more)`,
    );
    this.name = "MemoryBudgetError";
  }
}

/**
 * The chain index's budget within a whole-process budget of `processBytes` (whole MiB): what is
 * left after {@link PROCESS_RESERVE} at {@link INDEX_RSS_PER_BYTE}, at most `processBytes`.
 * Throws {@link MemoryBudgetError} below {@link MIN_PROCESS_MEM}.
 */
export function chainIndexMem(processBytes: number): number {
  if (!(processBytes >= MIN_PROCESS_MEM)) throw new MemoryBudgetError(processBytes);
  const left = Math.floor((processBytes - PROCESS_RESERVE) / INDEX_RSS_PER_BYTE / MiB) * MiB;
  return Math.min(processBytes, left);
}

/** The default `--mem`: 1 GiB for the whole process. */
export const DEFAULT_PROCESS_MEM = 1024 * MiB;
