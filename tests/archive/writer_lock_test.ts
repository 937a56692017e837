import { assertEquals, assertRejects, assertTrue } from "../_support/assert.ts";
import { openArchiveTarget } from "../../lib/archive/archive_target.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { collect } from "../../lib/collect/collect.ts";
import { verifyCollected } from "../../lib/collect/verify_collected.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { LocalStore } from "../../lib/store/local_store.ts";
import { ArchiveLockedError } from "../../lib/store/store.ts";
import { assertSameArchive, cliCommand } from "../_support/archive_files.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const base = Deno.makeTempDirSync({ prefix: "blkpipe-lock-" });
const blocks = `${base}/blocks`;
writeBlocksDir(blocks, generateChain({ seed: 41, blocks: 500, targetBlockSize: 120_000 }), {
  seed: 41,
  maxFileSize: 8 << 20,
});
const args = (out: string) => [
  "--include-tip",
  "--blocks",
  blocks,
  "--out",
  out,
  "--frame-size",
  "256KiB",
  "--quiet",
];
const perms = ["--allow-read", "--allow-write"];

async function lockHolder(out: string, timeoutMs: number): Promise<number | undefined> {
  for (const t0 = Date.now(); Date.now() - t0 < timeoutMs;) {
    try {
      const pid = JSON.parse(Deno.readTextFileSync(`${out}/writer.lock`)).pid;
      if (typeof pid === "number") return pid;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

Deno.test("a second writer is refused at once (naming the holder); the archive stays intact", async () => {
  await collect({ includeTip: true, blocks, out: `${base}/ref`, frameBytes: 256 << 10 });
  const out = `${base}/two`;
  const first = cliCommand("collect.ts", perms, args(out)).spawn();
  const holder = await lockHolder(out, 20_000);
  assertTrue(holder !== undefined, "the first writer never took the lock");
  // Readers need no lock: reading what is already there works while the writer runs.
  const second = await cliCommand("collect.ts", perms, args(out)).output();
  const firstDone = await first.output();
  assertEquals(firstDone.code, 0, text(firstDone.stderr));
  if (holder === undefined) return;
  const err = text(second.stderr).trim();
  assertEquals(second.code, 1, err);
  assertEquals(err.split("\n").length, 1, err);
  assertTrue(err.includes(`process ${holder}`) && err.includes(out), err);
  assertSameArchive(out, `${base}/ref`, "archive written while a second writer was refused");
  assertEquals((await verifyCollected(out)).problems, []);
});

Deno.test("the lock is per archive, released at the end, and a killed holder's lock is free", async () => {
  const store = new LocalStore(`${base}/inproc`);
  const network = NETWORKS.regtest;
  const a = await openArchiveTarget(store, { network });
  await assertRejects(
    () => openArchiveTarget(new LocalStore(`${base}/inproc`), { network }),
    ArchiveLockedError,
  );
  a.lock.release();
  const b = await openArchiveTarget(new LocalStore(`${base}/inproc`), { network });
  b.lock.release();
  // What kill -9 leaves behind: the holder's pid in the file, but no lock held by anyone.
  const out = `${base}/stale`;
  const killed = cliCommand("collect.ts", perms, args(out)).spawn();
  assertTrue((await lockHolder(out, 20_000)) !== undefined);
  killed.kill("SIGKILL");
  await killed.output();
  const again = await cliCommand("collect.ts", perms, args(out)).output();
  assertEquals(again.code, 0, text(again.stderr));
  assertSameArchive(out, `${base}/ref`, "after taking over a killed writer's lock");
});

Deno.test("parity create and repair are writers too: refused while another writer holds the archive", async () => {
  const out = `${base}/ref`;
  const held = await new LocalStore(out).lock();
  try {
    for (const cmd of ["create", "repair"]) {
      const r = await cliCommand("parity.ts", perms, [cmd, "--archive", out]).output();
      assertEquals(r.code, 1, cmd);
      assertTrue(text(r.stderr).includes("being written by"), text(r.stderr));
    }
    // Readers are not: verify runs.
    const v = await cliCommand("parity.ts", [`--allow-read=${out}`], ["verify", "--archive", out])
      .output();
    assertEquals(v.code, 0, text(v.stdout));
  } finally {
    held.release();
  }
});
