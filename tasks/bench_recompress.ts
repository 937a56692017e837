/**
 * `deno task bench:recompress`: what a higher zstd level gains when cold
 * chunks are recompressed — the ratio and speed per level on real mainnet
 * blocks from the corpus (early heights and modern blocks apart) and on a
 * generated chain, in the archive's own 2 MiB frames.
 *
 * @module
 */

import { constants, zstdCompressSync } from "node:zlib";
import { archiveZstdParams } from "../lib/archive/zstd_compress_sync.ts";
import { encodeRecord } from "../lib/bitcoin/blk_record.ts";
import { NETWORKS } from "../lib/bitcoin/network.ts";
import { concatBytes } from "../lib/bytes/concat.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { realMainnetBlocks } from "../tests/_support/real_data.ts";

const LEVELS = [1, 3, 9, 15, 19, 22];
const FRAME = 2 << 20;

function framesOf(blocks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur: Uint8Array[] = [], size = 0;
  for (const b of blocks) {
    const r = encodeRecord(NETWORKS.mainnet.magic, b);
    cur.push(r);
    size += r.length;
    if (size >= FRAME) {
      out.push(concatBytes(cur));
      cur = [];
      size = 0;
    }
  }
  if (cur.length > 0) out.push(concatBytes(cur));
  return out;
}

function measure(label: string, blocks: Uint8Array[]): void {
  const frames = framesOf(blocks);
  const raw = frames.reduce((n, f) => n + f.length, 0);
  const cells: string[] = [];
  for (const level of LEVELS) {
    const t = performance.now();
    let stored = 0;
    for (const f of frames) {
      stored += zstdCompressSync(f, { params: archiveZstdParams(constants, level) }).length;
    }
    const s = (performance.now() - t) / 1000;
    cells.push(`L${level} ${(raw / stored).toFixed(3)} (${(raw / 1e6 / s).toFixed(0)} MB/s)`);
  }
  console.log(`${label} — ${(raw / 1e6).toFixed(1)} MB in ${frames.length} frames`);
  console.log(`  ${cells.join("  ")}`);
}

const mainnet = realMainnetBlocks();
const early = mainnet.filter((b) => b.entry.height < 200_000);
const modern = mainnet.filter((b) => b.entry.height >= 400_000);
console.log("ratio (raw / stored) and speed per zstd level, one core, 2 MiB frames\n");
measure(`real mainnet, ${early.length} blocks below height 200,000`, early.map((b) => b.bytes));
measure(`real mainnet, ${modern.length} blocks from height 400,000`, modern.map((b) => b.bytes));
// Generated blocks fill up once coinbases mature (height 100): measure those.
const gen = [...generateChain({ seed: 3, blocks: 140, targetBlockSize: 1_000_000 })]
  .filter((b) => b.kind === "main" && b.height > 110).map((b) => b.bytes);
measure(`generated regtest chain, ${gen.length} blocks`, gen);
