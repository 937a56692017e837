/**
 * blkpipe: Bitcoin Core block files → ordered, verified, compressed,
 * random-access archive. The curated public API; each area also has its own
 * `lib/<area>/mod.ts`.
 *
 * @example
 * ```ts ignore
 * import { ArchiveReader, collect, verifyCollected } from "./mod.ts";
 * await collect({ blocks: "/home/me/.bitcoin/blocks", out: "/mnt/archive/btc" });
 * const report = await verifyCollected("/mnt/archive/btc");
 * const reader = await ArchiveReader.open("/mnt/archive/btc");
 * const block = await reader.readBlock(170);
 * reader.close();
 * ```
 *
 * @module
 */

export * from "./lib/bytes/mod.ts";
export * from "./lib/hash/mod.ts";
export * from "./lib/bitcoin/mod.ts";
export * from "./lib/source/mod.ts";
export * from "./lib/chain/mod.ts";
export * from "./lib/validate/mod.ts";
export * from "./lib/store/mod.ts";
export * from "./lib/archive/mod.ts";
export * from "./lib/collect/mod.ts";
export * from "./lib/utxo/mod.ts";
export * from "./lib/index/mod.ts";
export * from "./lib/parity/mod.ts";
export * from "./lib/serve/mod.ts";
export * from "./lib/segment/mod.ts";
export * from "./lib/gen/mod.ts";
