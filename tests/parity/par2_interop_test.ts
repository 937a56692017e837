import { assertEquals, assertTrue } from "../_support/assert.ts";
import { collect } from "../../lib/collect/collect.ts";
import { verifyCollected } from "../../lib/collect/verify_collected.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { checkParity, repairArchive } from "../../lib/parity/check_archive_parity.ts";
import { assertSameArchive, readTree } from "../_support/archive_files.ts";
import { par2, par2Test } from "../_support/par2_tool.ts";

const base = Deno.makeTempDirSync({ prefix: "blkpipe-par2-" });
async function archive(name: string): Promise<string> {
  const blocks = `${base}/blocks`;
  try {
    Deno.statSync(blocks);
  } catch {
    writeBlocksDir(blocks, generateChain({ seed: 65, blocks: 260, targetBlockSize: 30_000 }), {
      seed: 65,
    });
  }
  const out = `${base}/${name}`;
  await collect({ blocks, out, includeTip: true, chunkPolicy: { blocks: 20 } });
  return out;
}

function removeBackups(dir: string): void {
  for (const [rel] of readTree(dir)) if (/\.\d+$/.test(rel)) Deno.removeSync(`${dir}/${rel}`);
}

par2Test("Debian's par2 verifies every recovery set blkpipe wrote", async () => {
  const dir = await archive("verify");
  const sets = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    /^parity-[a-z0-9]+\.par2$/.test(n)
  );
  assertTrue(sets.length >= 2, sets.join());
  for (const s of sets) {
    const r = await par2(["verify", `${dir}/${s}`]);
    assertEquals(r.code, 0, r.out);
    assertTrue(r.out.includes("All files are correct"), r.out);
  }
});

par2Test("Debian's par2 repairs a damaged archive with blkpipe's recovery files", async () => {
  const ref = await archive("par2-ref");
  const dir = await archive("par2-repair");
  Deno.removeSync(`${dir}/chunks/00008.blk.zst`);
  const b = Deno.readFileSync(`${dir}/chunks/00003.blk.zst`);
  b[b.length >> 1]! ^= 0x40;
  Deno.writeFileSync(`${dir}/chunks/00003.blk.zst`, b);
  const r = await par2(["repair", `${dir}/parity-g00000.par2`]);
  assertEquals(r.code, 0, r.out);
  removeBackups(dir);
  assertSameArchive(dir, ref, "after par2 repair");
  assertEquals((await verifyCollected(dir)).problems, []);
});

par2Test("blkpipe repairs with recovery files Debian's par2 created", async () => {
  const ref = await archive("ext-ref");
  const dir = await archive("ext");
  const made = await par2(
    ["create", "-q", "-r40", "parity-ext.par2", "chunks/00004.blk.zst", "chunks/00005.blk.zst"],
    dir,
  );
  assertEquals(made.code, 0, made.out);
  const bytes = Deno.readFileSync(`${dir}/chunks/00005.blk.zst`);
  bytes.fill(0xee, 100, 5000);
  Deno.writeFileSync(`${dir}/chunks/00005.blk.zst`, bytes);
  const health = (await checkParity(dir)).sets.find((s) => s.name === "parity-ext")!;
  assertEquals(health.status, "recoverable");
  const r = await repairArchive(dir);
  assertEquals(r.failed, []);
  assertEquals(r.repaired, ["chunks/00005.blk.zst"]);
  for (const e of [...Deno.readDirSync(dir)]) {
    if (e.name.startsWith("parity-ext")) Deno.removeSync(`${dir}/${e.name}`);
  }
  assertSameArchive(dir, ref, "after blkpipe repaired with par2's files");
});
