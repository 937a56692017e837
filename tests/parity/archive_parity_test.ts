import { assertEquals, assertTrue } from "../_support/assert.ts";
import { collect } from "../../lib/collect/collect.ts";
import { verifyCollected } from "../../lib/collect/verify_collected.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { checkParity, repairArchive } from "../../lib/parity/check_archive_parity.ts";
import { protectArchive } from "../../lib/parity/protect_archive.ts";
import { assertSameArchive, cliCommand, copyTree, readTree } from "../_support/archive_files.ts";

const base = Deno.makeTempDirSync({ prefix: "blkpipe-parity-" });
const blocks = `${base}/blocks`;
writeBlocksDir(blocks, generateChain({ seed: 64, blocks: 420, targetBlockSize: 30_000 }), {
  seed: 64,
  maxFileSize: 4 << 20,
});
const original = `${base}/original`;
// 21 sealed chunks of 20 blocks (groups of 10: g00000, g00001, g00002) + the open tail.
await collect({ blocks, out: original, includeTip: true, chunkPolicy: { blocks: 20 } });

let copies = 0;
const fresh = () => copyTree(original, `${base}/copy-${copies++}`);
const rng = new Prng(99);

function flipBits(path: string, n: number): void {
  const b = Deno.readFileSync(path);
  for (let i = 0; i < n; i++) b[rng.int(0, b.length - 1)]! ^= 1 << rng.int(0, 7);
  Deno.writeFileSync(path, b);
}

const damages: Record<string, (dir: string) => void> = {
  "random bit flips in three chunks": (d) => {
    for (const c of ["00001", "00004", "00012"]) flipBits(`${d}/chunks/${c}.blk.zst`, 3);
  },
  "a zeroed 64 KiB run": (d) => {
    const b = Deno.readFileSync(`${d}/chunks/00003.blk.zst`);
    b.fill(0, 1000, 1000 + 65536);
    Deno.writeFileSync(`${d}/chunks/00003.blk.zst`, b);
  },
  "a truncated chunk": (d) => {
    const b = Deno.readFileSync(`${d}/chunks/00007.blk.zst`);
    Deno.writeFileSync(`${d}/chunks/00007.blk.zst`, b.subarray(0, b.length >> 1));
  },
  "a deleted chunk": (d) => Deno.removeSync(`${d}/chunks/00015.blk.zst`),
  "a damaged height index": (d) => flipBits(`${d}/index/heights.idx`, 20),
  "a damaged manifest": (d) => {
    const t = Deno.readTextFileSync(`${d}/manifest.json`);
    Deno.writeTextFileSync(`${d}/manifest.json`, t.replace(/"sha256": "./, '"sha256": "X'));
  },
  "a deleted chunk, bit flips in another group and a damaged manifest": (d) => {
    Deno.removeSync(`${d}/chunks/00002.blk.zst`);
    flipBits(`${d}/chunks/00011.blk.zst`, 2);
    Deno.writeTextFileSync(`${d}/manifest.json`, "{ broken");
  },
};

for (const [what, damage] of Object.entries(damages)) {
  Deno.test(`parity repairs ${what} byte-exactly; verify is clean again`, async () => {
    const dir = fresh();
    damage(dir);
    const health = await checkParity(dir);
    assertTrue(health.sets.some((s) => s.status === "recoverable"), JSON.stringify(health.sets));
    assertTrue(health.sets.every((s) => s.status !== "unrecoverable"));
    const r = await repairArchive(dir);
    assertEquals(r.failed, []);
    assertTrue(r.repaired.length > 0);
    assertSameArchive(dir, original, `after repairing ${what}`);
    assertEquals((await verifyCollected(dir)).problems, []);
    assertTrue((await checkParity(dir)).sets.every((s) => s.status === "intact"));
  });
}

Deno.test("damage beyond the redundancy: reported unrecoverable, exit 1, files left as they were", async () => {
  const dir = fresh();
  // Two whole chunks of group 1 (≈ 20 slices each, 22 recovery slices).
  Deno.removeSync(`${dir}/chunks/00011.blk.zst`);
  Deno.removeSync(`${dir}/chunks/00012.blk.zst`);
  flipBits(`${dir}/chunks/00007.blk.zst`, 2); // group 0 stays repairable
  const before = readTree(dir);
  const v = await cliCommand("parity.ts", [`--allow-read=${dir}`], ["verify", "--archive", dir])
    .output();
  assertEquals(v.code, 1);
  assertTrue(new TextDecoder().decode(v.stdout).includes("UNRECOVERABLE"));
  const r = await cliCommand("parity.ts", ["--allow-read", `--allow-write=${dir}`], [
    "repair",
    "--archive",
    dir,
  ]).output();
  const out = new TextDecoder().decode(r.stdout);
  assertEquals(r.code, 1, out);
  assertTrue(
    out.includes("NOT REPAIRED parity-g00001") && out.includes("repaired chunks/00007"),
    out,
  );
  const after = readTree(dir);
  for (const [k, v] of before) {
    if (k === "chunks/00007.blk.zst") continue; // the repairable one was repaired
    assertEquals(after.get(k), v, `${k} changed`);
  }
  assertEquals(
    after.get("chunks/00007.blk.zst"),
    Deno.readFileSync(`${original}/chunks/00007.blk.zst`),
  );
});

Deno.test("create is incremental: only changed groups are recomputed", async () => {
  const dir = fresh();
  const again = await protectArchive(dir);
  assertEquals(again.created, []);
  Deno.removeSync(`${dir}/parity-g00001.par2`);
  assertEquals((await protectArchive(dir)).created, ["parity-g00001"]);
  assertSameArchive(dir, original, "after recomputing one group");
});

Deno.test("create over a damaged chunk fails and replaces no recovery file: repair still works", async () => {
  const dir = fresh();
  const volume = [...Deno.readDirSync(dir)].find((e) => /^parity-g00001\.vol/.test(e.name))!.name;
  const kept = Deno.readFileSync(`${dir}/${volume}`);
  Deno.removeSync(`${dir}/parity-g00001.par2`); // the set must be recomputed …
  flipBits(`${dir}/chunks/00013.blk.zst`, 5); // … over a chunk that rotted meanwhile
  let error: Error | undefined;
  await protectArchive(dir).catch((e) => error = e);
  assertTrue(error?.message.includes("chunks/00013.blk.zst") ?? false, String(error));
  const now = Deno.readFileSync(`${dir}/${volume}`);
  assertTrue(now.length === kept.length && now.every((b, i) => b === kept[i]), "volume replaced");
  assertEquals([...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".tmp")).length, 0);
  const r = await repairArchive(dir);
  assertEquals(r.repaired, ["chunks/00013.blk.zst"]);
  assertSameArchive(dir, original, "after repairing from the volume create left alone");
});

Deno.test("a run without a redundancy keeps the archive's recorded one", async () => {
  const dir = fresh();
  const at20 = await protectArchive(dir, { redundancy: 0.2 });
  assertEquals(at20.created.length, 4); // 3 groups + metadata, all recomputed
  assertEquals((await protectArchive(dir)).created, []);
  const record = JSON.parse(Deno.readTextFileSync(`${dir}/parity.json`));
  assertEquals(record.redundancy, 0.2);
});

Deno.test("kill -9 during parity create and during repair: the rerun completes, no half-written file", async () => {
  const dir = fresh();
  for (const f of [...Deno.readDirSync(dir)]) {
    if (f.name.startsWith("parity")) Deno.removeSync(`${dir}/${f.name}`);
  }
  const perms = ["--allow-read", "--allow-write"];
  let landed = 0;
  for (let i = 0; i < 12 && landed < 4; i++) {
    const child = cliCommand("parity.ts", perms, ["create", "--archive", dir, "--quiet"]).spawn();
    await new Promise((r) => setTimeout(r, rng.int(60, 900)));
    try {
      child.kill("SIGKILL");
    } catch {
      // finished
    }
    if ((await child.output()).signal === "SIGKILL") landed++;
  }
  const last = await cliCommand("parity.ts", perms, ["create", "--archive", dir, "--quiet"])
    .output();
  assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  assertSameArchive(dir, original, "parity after killed creates");
  // Repair killed midway: every chunk is either its damaged self or exactly the original.
  Deno.removeSync(`${dir}/chunks/00004.blk.zst`);
  flipBits(`${dir}/chunks/00016.blk.zst`, 4);
  const damaged16 = Deno.readFileSync(`${dir}/chunks/00016.blk.zst`);
  for (let i = 0; i < 6; i++) {
    const child = cliCommand("parity.ts", perms, ["repair", "--archive", dir]).spawn();
    await new Promise((r) => setTimeout(r, rng.int(40, 400)));
    try {
      child.kill("SIGKILL");
    } catch {
      // finished
    }
    await child.output();
    const c16 = Deno.readFileSync(`${dir}/chunks/00016.blk.zst`);
    const ok16 = Deno.readFileSync(`${original}/chunks/00016.blk.zst`);
    assertTrue(
      (c16.length === damaged16.length && c16.every((b, j) => b === damaged16[j])) ||
        (c16.length === ok16.length && c16.every((b, j) => b === ok16[j])),
      "a half-written chunk is in place",
    );
  }
  const r = await cliCommand("parity.ts", perms, ["repair", "--archive", dir]).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stdout));
  assertSameArchive(dir, original, "after killed repairs and a final one");
});

Deno.test("damaged or missing recovery files are reported and rewritten by repair", async () => {
  const dir = fresh();
  Deno.removeSync(`${dir}/parity-g00001.par2`);
  const vol = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("parity-g00000.vol"))!;
  flipBits(`${dir}/${vol.name}`, 40);
  const v = await cliCommand("parity.ts", [`--allow-read=${dir}`], ["verify", "--archive", dir])
    .output();
  const out = new TextDecoder().decode(v.stdout);
  assertEquals(v.code, 1, out);
  assertTrue(out.includes("RECOVERY FILES DAMAGED"), out);
  const r = await repairArchive(dir);
  assertEquals(r.repaired, []);
  assertEquals(r.rewritten.sort(), ["parity-g00000", "parity-g00001"]);
  assertSameArchive(dir, original, "after rewriting recovery files");
});
