/**
 * Network parameters for the five Bitcoin networks blkpipe knows: the blk
 * file magic, genesis hash, proof-of-work limit and retarget rules, and the
 * buried soft-fork heights. Values from Bitcoin Core's kernel/chainparams.cpp.
 *
 * @module
 */

/** Names of the supported networks. */
export type NetworkName = "mainnet" | "testnet3" | "testnet4" | "signet" | "regtest";

/** Consensus and storage parameters of one network. */
export interface NetworkParams {
  /** Network name. */
  readonly name: NetworkName;
  /** The 4 message-start bytes that begin every blk file record. */
  readonly magic: Uint8Array;
  /** Genesis block hash, display (reversed) hex. */
  readonly genesisHash: string;
  /** Highest allowed target (easiest difficulty). */
  readonly powLimit: bigint;
  /** Compact form of {@link powLimit} (what min-difficulty blocks carry). */
  readonly powLimitBits: number;
  /** Seconds per retarget window (two weeks). */
  readonly targetTimespan: number;
  /** Target seconds between blocks. */
  readonly targetSpacing: number;
  /** Testnet rule: a block 20 min after its parent may use the limit. */
  readonly allowMinDifficultyBlocks: boolean;
  /** Regtest: nBits never changes. */
  readonly noRetargeting: boolean;
  /** Testnet4 BIP94: retarget from the window's first block's nBits; time-warp fix. */
  readonly enforceBIP94: boolean;
  /** Height from which the coinbase must start with the height (BIP34). */
  readonly bip34Height: number;
  /** BIP66 (strict DER, version ≥ 3) activation height. */
  readonly bip66Height: number;
  /** BIP65 (CLTV, version ≥ 4) activation height. */
  readonly bip65Height: number;
  /** SegWit activation height (witness commitment rules). */
  readonly segwitHeight: number;
  /** Blocks between subsidy halvings. */
  readonly halvingInterval: number;
  /** Folder below Bitcoin Core's data dir that holds `blocks/` ("" for mainnet). */
  readonly dataSubdir: string;
}

/** Blocks per difficulty window (targetTimespan / targetSpacing). */
export const RETARGET_INTERVAL = 2016;

function magic(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

const TWO_WEEKS = 14 * 24 * 60 * 60;

/** Parameters by network name. */
export const NETWORKS: Readonly<Record<NetworkName, NetworkParams>> = {
  mainnet: {
    name: "mainnet",
    magic: magic("f9beb4d9"),
    genesisHash: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    powLimit: (1n << 224n) - 1n,
    powLimitBits: 0x1d00ffff,
    targetTimespan: TWO_WEEKS,
    targetSpacing: 600,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBIP94: false,
    bip34Height: 227931,
    bip66Height: 363725,
    bip65Height: 388381,
    segwitHeight: 481824,
    halvingInterval: 210000,
    dataSubdir: "",
  },
  testnet3: {
    name: "testnet3",
    magic: magic("0b110907"),
    genesisHash: "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    powLimit: (1n << 224n) - 1n,
    powLimitBits: 0x1d00ffff,
    targetTimespan: TWO_WEEKS,
    targetSpacing: 600,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBIP94: false,
    bip34Height: 21111,
    bip66Height: 330776,
    bip65Height: 581885,
    segwitHeight: 834624,
    halvingInterval: 210000,
    dataSubdir: "testnet3",
  },
  testnet4: {
    name: "testnet4",
    magic: magic("1c163f28"),
    genesisHash: "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
    powLimit: (1n << 224n) - 1n,
    powLimitBits: 0x1d00ffff,
    targetTimespan: TWO_WEEKS,
    targetSpacing: 600,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBIP94: true,
    bip34Height: 1,
    bip66Height: 1,
    bip65Height: 1,
    segwitHeight: 1,
    halvingInterval: 210000,
    dataSubdir: "testnet4",
  },
  signet: {
    name: "signet",
    magic: magic("0a03cf40"),
    genesisHash: "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
    powLimit: 0x00000377aen << 216n,
    powLimitBits: 0x1e0377ae,
    targetTimespan: TWO_WEEKS,
    targetSpacing: 600,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBIP94: false,
    bip34Height: 1,
    bip66Height: 1,
    bip65Height: 1,
    segwitHeight: 1,
    halvingInterval: 210000,
    dataSubdir: "signet",
  },
  regtest: {
    name: "regtest",
    magic: magic("fabfb5da"),
    genesisHash: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    powLimit: (1n << 255n) - 1n,
    powLimitBits: 0x207fffff,
    targetTimespan: TWO_WEEKS,
    targetSpacing: 600,
    allowMinDifficultyBlocks: true,
    noRetargeting: true,
    enforceBIP94: false,
    bip34Height: 1,
    bip66Height: 1,
    bip65Height: 1,
    segwitHeight: 0,
    halvingInterval: 150,
    dataSubdir: "regtest",
  },
};

/** All networks, in a fixed order. */
export const NETWORK_NAMES: readonly NetworkName[] = [
  "mainnet",
  "testnet3",
  "testnet4",
  "signet",
  "regtest",
];

/** The network whose magic is `bytes[at, at+4)`, or undefined. */
export function networkByMagic(bytes: Uint8Array, at = 0): NetworkParams | undefined {
  for (const name of NETWORK_NAMES) {
    const m = NETWORKS[name].magic;
    if (
      bytes[at] === m[0] && bytes[at + 1] === m[1] && bytes[at + 2] === m[2] &&
      bytes[at + 3] === m[3]
    ) return NETWORKS[name];
  }
  return undefined;
}

/** Parameters for `name`, or a RangeError listing the valid names. */
export function networkByName(name: string): NetworkParams {
  if ((NETWORK_NAMES as readonly string[]).includes(name)) return NETWORKS[name as NetworkName];
  throw new RangeError(`Unknown network: ${name} (expected one of ${NETWORK_NAMES.join(", ")})`);
}
