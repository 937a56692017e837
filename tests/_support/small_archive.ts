/**
 * A small archive for tests that copy and change one: a generated regtest
 * chain of 300 blocks (≈40 kB each) collected in chunks of 60 blocks (five
 * sealed chunks and an open tail), under a fresh temporary directory.
 *
 * @module
 */

import { collect } from "../../lib/collect/collect.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";

/** `base`: the temporary directory; `original`: the archive in it (with parity). */
export async function smallArchive(
  prefix: string,
  seed: number,
): Promise<{ base: string; original: string }> {
  const base = Deno.makeTempDirSync({ prefix });
  writeBlocksDir(`${base}/blocks`, generateChain({ seed, blocks: 300, targetBlockSize: 40_000 }), {
    seed,
  });
  const original = `${base}/original`;
  await collect({
    blocks: `${base}/blocks`,
    out: original,
    includeTip: true,
    chunkPolicy: { blocks: 60 },
  });
  return { base, original };
}
