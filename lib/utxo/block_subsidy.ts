/**
 * The coinbase's allowance and the BIP30 exceptions: the consensus
 * constants the chain-wide rules need beyond the network parameters.
 *
 * @module
 */

import type { NetworkName } from "../bitcoin/network.ts";

/** Blocks before a coinbase output may be spent. */
export const COINBASE_MATURITY = 100;
/** Scripts longer than this can never be spent (Bitcoin Core's MAX_SCRIPT_SIZE). */
export const MAX_SCRIPT_SIZE = 10_000;
/** From this height BIP34 no longer implies BIP30 (Bitcoin Core's BIP34_IMPLIES_BIP30_LIMIT). */
export const BIP34_IMPLIES_BIP30_LIMIT = 1_983_702;

/**
 * Whether BIP30 may look up the new outputs of the block at `height` (keys a valid chain never
 * holds), given whether the BIP34 block was the one Bitcoin Core pins: always unless it was, and
 * again from {@link BIP34_IMPLIES_BIP30_LIMIT}.
 *
 * @example
 * ```ts
 * import { bip30LooksUp } from "./block_subsidy.ts";
 * if (!bip30LooksUp(false, 500_000) || bip30LooksUp(true, 500_000)) throw new Error("BIP30");
 * ```
 */
export function bip30LooksUp(bip34Matched: boolean, height: number): boolean {
  return !bip34Matched || height >= BIP34_IMPLIES_BIP30_LIMIT;
}

/**
 * Block subsidy in satoshis: 50 BTC halved every `interval` blocks, 0 after
 * 64 halvings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockSubsidy } from "./block_subsidy.ts";
 * assert.equal(blockSubsidy(0, 210_000), 5_000_000_000);
 * assert.equal(blockSubsidy(840_000, 210_000), 312_500_000);
 * assert.equal(blockSubsidy(150 * 64, 150), 0);
 * ```
 */
export function blockSubsidy(height: number, interval: number): number {
  const halvings = Math.floor(height / interval);
  return halvings >= 64 ? 0 : Math.floor(5_000_000_000 / 2 ** halvings);
}

/** Hash (display hex) of the block at the BIP34 height, per network where Bitcoin Core names one. */
export const BIP34_HASH: Partial<Record<NetworkName, string>> = {
  mainnet: "000000000000024b89b42a942fe0d9fea3bb44ab7bd1b19115dd6a759c0808b8",
  testnet3: "0000000023b3a96d3484e5abb3755c413e7d41500f8e2a5c3f0dd01299cd8ef8",
};

/** The two mainnet blocks whose coinbases overwrite earlier unspent ones (Bitcoin Core's IsBIP30Repeat). */
export function isBip30Repeat(network: NetworkName, height: number, hash: string): boolean {
  return network === "mainnet" && (
    (height === 91_842 &&
      hash === "00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec") ||
    (height === 91_880 &&
      hash === "00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721")
  );
}
