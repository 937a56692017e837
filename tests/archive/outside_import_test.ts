import { assertEquals } from "../_support/assert.ts";

Deno.test("a script outside the project imports mod.ts and uses it", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-outside-" });
  const mod = new URL("../../mod.ts", import.meta.url).href;
  Deno.writeTextFileSync(
    `${dir}/script.ts`,
    `import { ArchiveReader, collect, generateChain, hashToHex, verifyCollected, writeBlocksDir }
  from "${mod}";
const chain = [...generateChain({ seed: 3, blocks: 30, targetBlockSize: 5000 })];
writeBlocksDir("${dir}/blocks", chain, { seed: 3 });
await collect({ blocks: "${dir}/blocks", out: "${dir}/archive", includeTip: true });
const report = await verifyCollected("${dir}/archive");
const reader = await ArchiveReader.open("${dir}/archive");
const block = await reader.readBlock(17);
reader.close();
console.log(JSON.stringify({ problems: report.problems.length, size: block.length,
  hash: hashToHex((await (await ArchiveReader.open("${dir}/archive")).record(17)).hash),
  expected: hashToHex(chain.find((b) => b.kind === "main" && b.height === 17).hash) }));
`,
  );
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-write", `${dir}/script.ts`],
    cwd: dir, // no deno.json here or above: the project's import map does not apply
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  assertEquals(r.code, 0, err);
  const out = JSON.parse(new TextDecoder().decode(r.stdout));
  assertEquals(out.problems, 0);
  assertEquals(out.hash, out.expected);
});
