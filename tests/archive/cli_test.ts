import { assertEquals, assertTrue } from "../_support/assert.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { blkRecord, concatBytes } from "../_support/blocks_dir.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { hashToHex } from "../../lib/bytes/hex.ts";
import { assertSameArchive, cliCommand } from "../_support/archive_files.ts";
import { defaultCollectWorkers } from "../../lib/collect/default_workers.ts";

const base = Deno.makeTempDirSync({ prefix: "blkpipe-cli-" });
const blocks = `${base}/blocks`;
const chain = [...generateChain({ seed: 31, blocks: 150, targetBlockSize: 20_000 })];
writeBlocksDir(blocks, chain, {
  seed: 31,
  maxFileSize: 1 << 20,
  xorKey: Uint8Array.of(1, 1, 2, 3, 5, 8, 13, 21),
});
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Collects the test chain into `out` in chunks of 50 blocks and 32 KiB frames. */
async function collectSmall(out: string): Promise<string> {
  const c = await cliCommand("collect.ts", ["--allow-read", "--allow-write"], [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    out,
    "--quiet",
    "--chunk-blocks",
    "50",
    "--frame-size",
    "32KiB",
  ]).output();
  assertEquals(c.code, 0, text(c.stderr));
  return out;
}

Deno.test("collect runs with only --allow-read=<blocks>,<out> --allow-write=<out>", async () => {
  const out = `${base}/scoped`;
  Deno.mkdirSync(out);
  const perms = [`--allow-read=${blocks},${out}`, `--allow-write=${out}`];
  const r = await cliCommand("collect.ts", perms, [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    out,
    "--json",
  ])
    .output();
  assertEquals(r.code, 0, text(r.stderr));
  const summary = JSON.parse(text(r.stdout));
  // Without read access to blkpipe's lib/ the validation workers load the modules' text that
  // collect imported: the same workers (by default one per core, at most 8), nothing to add, no
  // note.
  const byDefault = defaultCollectWorkers(navigator.hardwareConcurrency, "full");
  assertEquals([summary.tip.height, summary.validationWorkers], [150, byDefault]);
  assertTrue(!text(r.stderr).includes("note:"), text(r.stderr));
  const lib = new URL("../../lib", import.meta.url).pathname;
  // One worker, and more workers than cores (as on a larger machine by default): the same archive.
  for (const n of [1, 8]) {
    const dir = `${out}-w${n}`;
    const r = await cliCommand("collect.ts", [
      `--allow-read=${blocks},${dir}`,
      `--allow-write=${dir}`,
    ], [
      "--include-tip",
      "--blocks",
      blocks,
      "--out",
      dir,
      "--workers",
      String(n),
      "--json",
    ]).output();
    assertEquals(r.code, 0, text(r.stderr));
    assertEquals(JSON.parse(text(r.stdout)).validationWorkers, n);
    assertSameArchive(dir, out, `${n} worker(s) vs the default, both from text`);
  }
  const withLib = await cliCommand("collect.ts", [
    `--allow-read=${blocks},${out}2,${lib}`,
    `--allow-write=${out}2`,
  ], [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    `${out}2`,
    "--json",
  ]).output();
  assertEquals(withLib.code, 0, text(withLib.stderr));
  assertEquals(JSON.parse(text(withLib.stdout)).validationWorkers, byDefault);
  assertSameArchive(`${out}2`, out, "workers from lib/ vs workers from text");
  // verify and get need only read access to the archive.
  const v = await cliCommand("verify.ts", [`--allow-read=${out}`], [out]).output();
  assertEquals(v.code, 0, text(v.stdout) + text(v.stderr));
  const g = await cliCommand("get.ts", [`--allow-read=${out}`], [
    "--archive",
    out,
    "--height",
    "77",
  ]).output();
  assertEquals(g.code, 0, text(g.stderr));
  assertEquals(JSON.parse(text(g.stdout)).hash, hashToHex(chain[77]!.hash));
});

Deno.test("a missing permission is explained in one line naming the flag", async () => {
  const out = `${base}/denied`;
  const r = await cliCommand("collect.ts", [`--allow-read=${blocks}`], [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    out,
  ]).output();
  assertEquals(r.code, 1);
  const err = text(r.stderr).trim();
  assertTrue(/--allow-(read|write)=/.test(err) && err.split("\n").length === 1, err);
});

Deno.test("bad destinations: not an archive, another network, a file; usage errors exit 2", async () => {
  const notArchive = `${base}/photos`;
  Deno.mkdirSync(notArchive);
  Deno.writeTextFileSync(`${notArchive}/cat.jpg`, "meow");
  const perms = ["--allow-read", "--allow-write"];
  let r = await cliCommand("collect.ts", perms, [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    notArchive,
  ]).output();
  assertEquals(r.code, 1);
  assertTrue(text(r.stderr).includes("not a blkpipe archive"), text(r.stderr));
  assertEquals(Deno.readTextFileSync(`${notArchive}/cat.jpg`), "meow");
  assertEquals([...Deno.readDirSync(notArchive)].length, 1);

  const arch = `${base}/net`;
  r = await cliCommand("collect.ts", perms, [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    arch,
    "--quiet",
  ])
    .output();
  assertEquals(r.code, 0, text(r.stderr));
  const before = Deno.readFileSync(`${arch}/index/heights.idx`);
  r = await cliCommand("collect.ts", perms, [
    "--include-tip",
    "--blocks",
    blocks,
    "--out",
    arch,
    "--network",
    "mainnet",
  ]).output();
  assertEquals(r.code, 1);
  assertTrue(text(r.stderr).includes("regtest archive"), text(r.stderr));
  assertEquals(Deno.readFileSync(`${arch}/index/heights.idx`), before);

  const file = `${base}/a-file`;
  Deno.writeTextFileSync(file, "x");
  r = await cliCommand("collect.ts", perms, ["--include-tip", "--blocks", blocks, "--out", file])
    .output();
  assertEquals(r.code, 1, text(r.stderr));

  r = await cliCommand("collect.ts", perms, ["--include-tip", "--blocks", blocks]).output();
  assertEquals(r.code, 2);
  assertTrue(text(r.stderr).includes("--out is required") && text(r.stderr).includes("usage:"));
  r = await cliCommand("collect.ts", perms, ["--out", arch, "--bogus"]).output();
  assertEquals(r.code, 2);
});

Deno.test("export streams linearized records; verify reports damage with exit 1", async () => {
  const out = `${base}/exp`;
  const perms = ["--allow-read", "--allow-write"];
  assertEquals(
    (await cliCommand("collect.ts", perms, [
      "--include-tip",
      "--blocks",
      blocks,
      "--out",
      out,
      "--quiet",
    ]).output())
      .code,
    0,
  );
  const e = await cliCommand("export.ts", [`--allow-read=${out}`], [
    "--archive",
    out,
    "--from",
    "10",
    "--to",
    "20",
  ]).output();
  assertEquals(e.code, 0, text(e.stderr));
  assertEquals(
    e.stdout,
    concatBytes(chain.slice(10, 21).map((b) => blkRecord(NETWORKS.regtest.magic, b.bytes))),
  );
  // Flip one byte in the middle of the chunk: verify must say where, and exit 1.
  const chunk = `${out}/chunks/00000.blk.zst`;
  const bytes = Deno.readFileSync(chunk);
  bytes[bytes.length >> 1]! ^= 0x40;
  Deno.writeFileSync(chunk, bytes);
  const v = await cliCommand("verify.ts", [`--allow-read=${out}`], ["--archive", out]).output();
  assertEquals(v.code, 1);
  const report = text(v.stdout);
  assertTrue(report.includes("PROBLEM checksum") && report.includes("00000.blk.zst frame"), report);
});

Deno.test("without --blocks, collect looks in ~/.bitcoin and says what to do when it is not there", async () => {
  const home = Deno.makeTempDirSync({ prefix: "blkpipe-home-" });
  const cmd = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        "--allow-env=HOME",
        new URL("../../cli/collect.ts", import.meta.url).pathname,
        ...args,
      ],
      env: { HOME: home, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  let r = await cmd(["--out", `${home}/a`]);
  assertEquals(r.code, 2);
  assertTrue(
    text(r.stderr).includes(`${home}/.bitcoin/blocks`) && text(r.stderr).includes("deno task demo"),
    text(r.stderr),
  );
  // With the default directory in place (regtest blocks under ~/.bitcoin/regtest/blocks), it is used.
  Deno.mkdirSync(`${home}/.bitcoin/regtest`, { recursive: true });
  Deno.renameSync(blocks, `${home}/.bitcoin/regtest/blocks`);
  try {
    r = await cmd(["--network", "regtest", "--out", `${home}/a`, "--json", "--include-tip"]);
    assertEquals(r.code, 0, text(r.stderr));
    assertEquals(JSON.parse(text(r.stdout)).tip.height, 150);
  } finally {
    Deno.renameSync(`${home}/.bitcoin/regtest/blocks`, blocks);
  }
});

Deno.test("verify reports a damaged frame and a truncated chunk once each, without cascading", async () => {
  const out = await collectSmall(`${base}/damage2`);
  const flip = Deno.readFileSync(`${out}/chunks/00001.blk.zst`);
  flip[flip.length >> 1]! ^= 0x10;
  Deno.writeFileSync(`${out}/chunks/00001.blk.zst`, flip);
  const cut = Deno.readFileSync(`${out}/chunks/00002.blk.zst`);
  Deno.writeFileSync(`${out}/chunks/00002.blk.zst`, cut.subarray(0, cut.length - 3));
  const v = await cliCommand("verify.ts", [`--allow-read=${out}`], ["--archive", out, "--json"])
    .output();
  assertEquals(v.code, 1);
  const report = JSON.parse(text(v.stdout));
  const codes = report.problems.map((p: { code: string }) => p.code);
  assertTrue(
    codes.includes("checksum") && codes.includes("unreadable") && codes.includes("no-seek-table"),
    codes.join(),
  );
  assertTrue(report.problems.length <= 8, `cascading problems: ${codes.join()}`);
  assertTrue(report.blocks > 50, "blocks outside the damage are still checked");
});

Deno.test("get on a damaged frame or a truncated chunk: one line naming the file and what to do, exit 1", async () => {
  const out = await collectSmall(`${base}/damage3`);
  // Damage the first frame of chunk 1 (heights 50..) and cut chunk 2 short.
  const chunk1 = Deno.readFileSync(`${out}/chunks/00001.blk.zst`);
  for (let i = 40; i < 60; i++) chunk1[i]! ^= 0x5a;
  Deno.writeFileSync(`${out}/chunks/00001.blk.zst`, chunk1);
  const chunk2 = Deno.readFileSync(`${out}/chunks/00002.blk.zst`);
  Deno.writeFileSync(`${out}/chunks/00002.blk.zst`, chunk2.subarray(0, chunk2.length - 3));
  for (const [height, file] of [["50", "00001.blk.zst"], ["120", "00002.blk.zst"]] as const) {
    const g = await cliCommand("get.ts", [`--allow-read=${out}`], [
      "--archive",
      out,
      "--height",
      height,
    ]).output();
    const err = text(g.stderr).trim();
    assertEquals(g.code, 1, err);
    assertEquals(err.split("\n").length, 1, err);
    assertTrue(
      err.includes(file) && err.includes("damaged") && err.includes("deno task verify"),
      err,
    );
  }
  // A missing index file: one line too.
  Deno.renameSync(`${out}/index/heights.idx`, `${out}/index/heights.idx.away`);
  const noIndex = await cliCommand("get.ts", [`--allow-read=${out}`], [
    "--archive",
    out,
    "--height",
    "10",
  ]).output();
  const noIndexErr = text(noIndex.stderr).trim();
  assertEquals(noIndex.code, 1, noIndexErr);
  assertEquals(noIndexErr.split("\n").length, 1, noIndexErr);
  assertTrue(noIndexErr.includes("heights.idx"), noIndexErr);
  Deno.renameSync(`${out}/index/heights.idx.away`, `${out}/index/heights.idx`);
  // Heights outside the damage still read.
  const ok = await cliCommand("get.ts", [`--allow-read=${out}`], [
    "--archive",
    out,
    "--height",
    "10",
  ])
    .output();
  assertEquals(ok.code, 0, text(ok.stderr));
});
