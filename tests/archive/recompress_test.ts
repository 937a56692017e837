import { assertEquals, assertTrue } from "../_support/assert.ts";
import { smallArchive } from "../_support/small_archive.ts";
import { ArchiveReader } from "../../lib/archive/archive_reader.ts";
import { verifyCollected } from "../../lib/collect/verify_collected.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { checkParity } from "../../lib/parity/check_archive_parity.ts";
import { recompressArchive } from "../../lib/archive/recompress_archive.ts";
import { LocalStore } from "../../lib/store/local_store.ts";
import { assertSameArchive, cliCommand, copyTree } from "../_support/archive_files.ts";

const { base, original } = await smallArchive("blkpipe-recompress-", 19);

const copy = (to: string) => copyTree(original, to);
const perms = ["--allow-read", "--allow-write"];

Deno.test("recompress: same blocks, same index, valid checksums and parity; --cold skips recent chunks", async () => {
  const dir = copy(`${base}/a`);
  const recent = await cliCommand("recompress.ts", perms, [
    "--archive",
    dir,
    "--level",
    "19",
    "--cold",
    "1",
    "--json",
  ])
    .output();
  assertEquals(JSON.parse(new TextDecoder().decode(recent.stdout)).chunks, []);
  const r = await cliCommand("recompress.ts", perms, ["--archive", dir, "--level", "19", "--json"])
    .output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const report = JSON.parse(new TextDecoder().decode(r.stdout));
  assertEquals(report.chunks.length, 5); // the sealed ones (heights 0..299); the open tail waits
  assertTrue(report.after <= report.before);
  assertEquals((await verifyCollected(dir)).problems, []);
  assertTrue((await checkParity(dir)).sets.every((s) => s.status === "intact" && !s.parityDamaged));
  assertEquals(
    Deno.readFileSync(`${dir}/index/heights.idx`),
    Deno.readFileSync(`${original}/index/heights.idx`),
  );
  const a = await ArchiveReader.open(dir), b = await ArchiveReader.open(original);
  for (const h of [0, 59, 60, 150, 299]) assertEquals(await a.readBlock(h), await b.readBlock(h));
  a.close();
  b.close();
  const m = JSON.parse(Deno.readTextFileSync(`${dir}/manifest.json`));
  assertEquals(m.chunks.filter((c: { level?: number }) => c.level === 19).length, 5);
});

Deno.test("recompress killed at random instants: the rerun ends byte-identical to an uninterrupted one", async () => {
  const ref = copy(`${base}/ref`);
  assertEquals(
    (await cliCommand("recompress.ts", perms, ["--archive", ref, "--level", "15"]).output()).code,
    0,
  );
  const dir = copy(`${base}/killed`);
  const rng = new Prng(3);
  let landed = 0;
  for (let i = 0; i < 10 && landed < 4; i++) {
    const child = cliCommand("recompress.ts", perms, ["--archive", dir, "--level", "15"]).spawn();
    await new Promise((r) => setTimeout(r, rng.int(80, 1500)));
    try {
      child.kill("SIGKILL");
    } catch {
      // finished
    }
    if ((await child.output()).signal === "SIGKILL") landed++;
    // Between recording a chunk's new entry and moving its new file into place, that one chunk
    // (and only while its `.recompress` file waits) differs from its entry; nothing else may.
    const pending = (where: string | undefined) => {
      try {
        return Deno.statSync(`${where}.recompress`).isFile;
      } catch {
        return false;
      }
    };
    assertEquals(
      (await verifyCollected(dir, { level: "framing" })).problems.filter((p) =>
        !(["checksum", "chunk-size"].includes(p.code) && pending(p.where))
      ),
      [],
    );
  }
  const last = await cliCommand("recompress.ts", perms, ["--archive", dir, "--level", "15"])
    .output();
  assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  assertSameArchive(dir, ref, "after killed recompress runs");
});

Deno.test("recompress finishes the parity a killed run left stale, even with no chunk left to do", async () => {
  const dir = copy(`${base}/stale`);
  const store = new LocalStore(dir);
  assertEquals((await recompressArchive(store, { level: 9 })).length, 5); // parity now stale
  store.close();
  assertTrue((await checkParity(dir)).sets.some((s) => s.status !== "intact"));
  const r = await cliCommand("recompress.ts", perms, ["--archive", dir, "--level", "9", "--json"])
    .output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const report = JSON.parse(new TextDecoder().decode(r.stdout));
  assertEquals(report.chunks, []);
  assertTrue(report.parity.created.length > 0);
  assertTrue((await checkParity(dir)).sets.every((s) => s.status === "intact" && !s.parityDamaged));
});

Deno.test("recompress: killed after recording a chunk's entry but before the manifest and the move, the rerun completes both", async () => {
  const ref = copy(`${base}/window-ref`);
  const r = await cliCommand("recompress.ts", perms, ["--archive", ref, "--level", "15"]).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const dir = copy(`${base}/window`);
  // Every chunk but the last sealed one done; then the last one, killed in the window, so that
  // the rerun has no other chunk whose record would rewrite the manifest anyway.
  const sealed = JSON.parse(Deno.readTextFileSync(`${dir}/manifest.json`)).chunks.filter(
    (c: { open?: boolean }) => !c.open,
  );
  const last = sealed.at(-1) as { id: number; file: string };
  const store = new LocalStore(dir);
  await recompressArchive(store, { level: 15, select: (c) => c.id !== last.id });
  const oldManifest = Deno.readFileSync(`${dir}/manifest.json`);
  const oldChunk = Deno.readFileSync(`${dir}/${last.file}`);
  await recompressArchive(store, { level: 15, select: (c) => c.id === last.id });
  store.close();
  // The instant of the kill: resume record new, manifest old, new file still beside the old one.
  Deno.renameSync(`${dir}/${last.file}`, `${dir}/${last.file}.recompress`);
  Deno.writeFileSync(`${dir}/${last.file}`, oldChunk);
  Deno.writeFileSync(`${dir}/manifest.json`, oldManifest);
  const rerun = await cliCommand("recompress.ts", perms, ["--archive", dir, "--level", "15"])
    .output();
  assertEquals(rerun.code, 0, new TextDecoder().decode(rerun.stderr));
  assertEquals((await verifyCollected(dir, { level: "framing" })).problems, []);
  assertSameArchive(dir, ref, "after the rerun");
});
