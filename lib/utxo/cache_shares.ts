/**
 * The UTXO cache's two memory policies, as shares: how much of its capacity a flush keeps of the
 * youngest outputs, and when the oldest segment's bloom filter gives way to cache entries.
 *
 * @module
 */

/**
 * The share of the capacity a flush keeps of the youngest outputs it wrote. Measured with
 * `utxo_scale 50` (lookups as old as mainnet's spends): see docs/BENCHMARKS.md.
 */
export const RETAIN_SHARE: number = 0.25;

/**
 * The share of the cache's memory beyond which the oldest segment's bloom filter gives way to
 * cache entries, where no lookups of absent keys are expected (`absentLookups` false). Asked
 * last, that filter only saves reads of keys no segment holds, which a valid chain asks for only
 * where BIP30 is checked (every output: on mainnet up to BIP34, height 227,931, and on networks
 * whose BIP34 block Bitcoin Core does not pin — regtest, signet, testnet4). An eighth of the
 * default share holds the filters and directories of ≈22 M outputs.
 */
export const OLDEST_FILTER_SHARE: number = 1 / 8;
