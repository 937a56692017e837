import { assertEquals, assertTrue } from "../_support/assert.ts";
import { type BlockEvent, readBlockEvents } from "../../lib/source/block_records.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { blockHash } from "../../lib/bitcoin/header.ts";

const dir = Deno.makeTempDirSync({ prefix: "blkpipe-reader-" });
const key = Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda, 1, 2, 3, 4);
writeBlocksDir(
  dir,
  generateChain({ seed: 8, blocks: 20, targetBlockSize: 1000, forkRate: 0.2, orphanRate: 0.1 }),
  {
    seed: 8,
    maxFileSize: 12_000,
    shuffleWindow: 5,
    xorKey: key,
    damage: { padTo: 512, garbageRate: 0.3, tornRate: 0.3, truncateTail: true },
  },
);

async function events(bufferSize: number): Promise<string[]> {
  const out: string[] = [];
  for await (
    const e of readBlockEvents(dir, { xorKey: key, bufferSize }) as AsyncIterable<BlockEvent>
  ) {
    out.push(
      e.kind === "block"
        ? `${e.file}:${e.offset}:${hashToHex(blockHash(e.bytes))}`
        : `${e.file}:${e.offset}+${e.length}:${e.reason}`,
    );
  }
  return out;
}

Deno.test("reader output does not depend on the read buffer size, from 1 byte up", async () => {
  const reference = await events(1 << 20);
  assertTrue(reference.filter((e) => e.includes(":garbage") || e.includes(":torn")).length > 0);
  assertTrue(reference.length > 20);
  for (const size of [1, 2, 3, 7, 8, 9, 81, 100, 4095, 4096]) {
    assertEquals(await events(size), reference, `buffer of ${size} bytes`);
  }
});
