import { assertEquals, assertTrue } from "../_support/assert.ts";
import { smallArchive } from "../_support/small_archive.ts";
import { recordsAccessTimes } from "../../lib/store/scan_open.ts";
import { cliCommand, copyTree, readTree } from "../_support/archive_files.ts";
import { isRoot, mount } from "../_support/root_mount.ts";

// What `recompress --cold` goes by: a chunk's access time, which get / export / serve move and the
// whole-archive passes (verify, parity, index, recompress itself) leave alone.

const { base, original } = await smallArchive("blkpipe-cold-", 23);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const perms = ["--allow-read", "--allow-write"];
const DAY = 86_400_000;

const copy = (to: string) => copyTree(original, to);

function chunkFiles(dir: string): string[] {
  return [...Deno.readDirSync(`${dir}/chunks`)].map((e) => `${dir}/chunks/${e.name}`).sort();
}

async function run(script: string, args: string[]): Promise<Deno.CommandOutput> {
  const out = await cliCommand(script, perms, args).output();
  assertEquals(out.code, 0, `${script} ${args.join(" ")}: ${text(out.stderr)}`);
  return out;
}

const coldArgs = (dir: string) => ["--archive", dir, "--level", "9", "--cold", "30"];

/** `recompress --level 9 --cold 30`: the ids of the chunks it rewrote. */
async function recompressCold(dir: string): Promise<number[]> {
  const r = await run("recompress.ts", [...coldArgs(dir), "--json"]);
  return JSON.parse(text(r.stdout)).chunks.map((c: { id: number }) => c.id);
}

const recordsReads = recordsAccessTimes(base);
if (!recordsReads) {
  console.warn("[recompress --cold] skipping: the temporary directory is on a noatime mount");
}

Deno.test({
  name: "recompress --cold: verify, parity and index passes leave chunks cold; a get makes one hot",
  ignore: !recordsReads,
  async fn() {
    const dir = copy(`${base}/scrubbed`);
    const old = new Date(Date.now() - 60 * DAY);
    for (const f of chunkFiles(dir)) Deno.utimeSync(f, old, old);
    await run("verify.ts", ["--archive", dir]);
    await run("parity.ts", ["verify", "--archive", dir]);
    await run("parity.ts", ["create", "--archive", dir]);
    await run("index.ts", ["--archive", dir]); // the chain index, built from every chunk
    for (const f of chunkFiles(dir)) {
      assertEquals(Deno.statSync(f).atime?.getTime(), old.getTime(), `${f} was made hot`);
    }
    // A user's read of block 70 (the second chunk) makes that chunk hot, and only it.
    await run("get.ts", ["--archive", dir, "--height", "70"]);
    const hot = chunkFiles(dir).filter((f) => Deno.statSync(f).atime!.getTime() > old.getTime());
    assertEquals(hot.map((f) => f.replace(/.*\//, "")), ["00001.blk.zst"]);
    assertEquals(await recompressCold(dir), [0, 2, 3, 4]); // the sealed chunks but the one read
    for (const f of chunkFiles(dir).filter((f) => !f.endsWith("00001.blk.zst"))) {
      // Recompressed chunks are new files; the others were read by recompress's parity pass.
      const at = Deno.statSync(f).atime!.getTime();
      assertTrue(at === old.getTime() || at > Date.now() - DAY, f);
    }
    assertEquals(await recompressCold(dir), []); // all at level 9 now, or hot
  },
});

if (!isRoot) console.warn("[recompress --cold on noatime] skipping: mounting a tmpfs needs root");

Deno.test({
  name: "recompress --cold on a noatime mount: refused with one line, nothing changed",
  ignore: !isRoot,
  async fn() {
    const mnt = `${base}/noatime`;
    Deno.mkdirSync(mnt);
    assertTrue(mount(["-t", "tmpfs", "-o", "noatime,size=64m", "tmpfs", mnt]), "mount tmpfs");
    try {
      const dir = copy(`${mnt}/a`);
      const before = readTree(dir);
      const out = await cliCommand("recompress.ts", perms, coldArgs(dir)).output();
      const err = text(out.stderr).trim();
      assertEquals(out.code, 1, err);
      assertEquals(err.split("\n").length, 1, err);
      assertTrue(err.includes("noatime") && err.includes("--cold"), err);
      assertEquals(readTree(dir), before);
      await run("recompress.ts", ["--archive", dir, "--level", "9", "--json"]); // without --cold
    } finally {
      mount([mnt], "umount");
    }
  },
});
