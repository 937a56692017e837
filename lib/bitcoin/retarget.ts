/**
 * The difficulty retarget of Bitcoin Core's `CalculateNextWorkRequired`:
 * new target = base target × actual timespan / target timespan, the
 * timespan clamped to [¼, 4×] of two weeks, the result capped at the
 * network's limit. The base is the window's last nBits, or its first with
 * BIP94 (testnet4).
 *
 * @module
 */

import type { NetworkParams } from "./network.ts";
import { bitsFromTarget, targetFromBits } from "./pow.ts";

/**
 * nBits for the block after a 2016-block window whose first block has
 * (`firstTime`, `firstBits`) and last block (`lastTime`, `lastBits`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calculateNextWorkRequired } from "./retarget.ts";
 * import { NETWORKS } from "./network.ts";
 * // Bitcoin Core pow_tests "get_next_work": blocks 30240..32255.
 * const bits = calculateNextWorkRequired(NETWORKS.mainnet, 0x1d00ffff, 1262152739, 0x1d00ffff, 1261130161);
 * assert(bits === 0x1d00d86a);
 * ```
 */
export function calculateNextWorkRequired(
  params: NetworkParams,
  lastBits: number,
  lastTime: number,
  firstBits: number,
  firstTime: number,
): number {
  if (params.noRetargeting) return lastBits;
  const span = Math.min(
    Math.max(lastTime - firstTime, params.targetTimespan / 4),
    params.targetTimespan * 4,
  );
  const base = params.enforceBIP94 ? firstBits : lastBits;
  let target = targetFromBits(base).target * BigInt(span) / BigInt(params.targetTimespan);
  if (target > params.powLimit) target = params.powLimit;
  return bitsFromTarget(target);
}
