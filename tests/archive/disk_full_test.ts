import { assertEquals, assertTrue } from "../_support/assert.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { assertSameArchive, cliCommand } from "../_support/archive_files.ts";
import { isRoot, mount } from "../_support/root_mount.ts";

if (!isRoot) console.warn("[disk full] skipping: mounting a small tmpfs needs root");

Deno.test({
  name: "disk full: one clear line, nothing lost, and the same command resumes byte-identically",
  ignore: !isRoot,
  async fn() {
    const base = Deno.makeTempDirSync({ prefix: "blkpipe-full-" });
    writeBlocksDir(
      `${base}/blocks`,
      generateChain({ seed: 8, blocks: 220, targetBlockSize: 60_000 }),
      {
        seed: 8,
      },
    );
    const args = (out: string) => [
      "--include-tip",
      "--blocks",
      `${base}/blocks`,
      "--out",
      out,
      "--chunk-blocks",
      "60",
      "--frame-size",
      "128KiB",
      "--checkpoint",
      "256KiB",
      "--quiet",
    ];
    const perms = ["--allow-read", "--allow-write"];
    const ref = await cliCommand("collect.ts", perms, args(`${base}/ref`)).output();
    assertEquals(ref.code, 0, new TextDecoder().decode(ref.stderr));
    const small = `${base}/small`;
    Deno.mkdirSync(small);
    assertTrue(mount(["-t", "tmpfs", "-o", "size=5m", "tmpfs", small]), "mount tmpfs");
    try {
      const full = await cliCommand("collect.ts", perms, args(`${small}/a`)).output();
      const err = new TextDecoder().decode(full.stderr).trim();
      assertEquals(full.code, 1, err);
      assertEquals(err.split("\n").length, 1, err);
      assertTrue(err.includes("disk full") && err.includes("run the same command again"), err);
      // Make room (the same mount, bigger) and run the same command again.
      assertTrue(mount(["-o", "remount,size=200m", small]), "remount");
      const again = await cliCommand("collect.ts", perms, args(`${small}/a`)).output();
      assertEquals(again.code, 0, new TextDecoder().decode(again.stderr));
      assertSameArchive(`${small}/a`, `${base}/ref`, "after a disk-full run and a resume");
    } finally {
      mount(["-o", "remount,size=200m", small]);
      new Deno.Command("umount", { args: [small] }).outputSync();
    }
  },
});
