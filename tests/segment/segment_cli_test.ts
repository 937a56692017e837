import { assertEquals, assertTrue } from "../_support/assert.ts";
import { cliCommand } from "../_support/archive_files.ts";
import { Prng } from "../../lib/gen/prng.ts";
import { toHex } from "../../lib/bytes/hex.ts";

const dir = Deno.makeTempDirSync({ prefix: "blkpipe-segcli-" });
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const perms = [`--allow-read=${dir}`, `--allow-write=${dir}`];
const run = (args: string[]) => cliCommand("segment.ts", perms, args).output();

Deno.test("segment CLI: build (spilling runs) → stats → get → merge with GC → check", async () => {
  const rng = new Prng(5);
  const txids = Array.from({ length: 3000 }, () => toHex(rng.fill(new Uint8Array(32))));
  const lines: string[] = [];
  txids.forEach((t, i) => lines.push(`${t},0,${1 + (i % 50)},add,${i}`));
  txids.slice(0, 1000).forEach((t, i) => lines.push(`${t},0,${60 + (i % 10)},delete,0`));
  rng.shuffle(lines);
  Deno.writeTextFileSync(`${dir}/utxo.csv`, lines.join("\n") + "\n");
  let r = await run([
    "build",
    "--format",
    "utxo-csv",
    "--in",
    `${dir}/utxo.csv`,
    "--out",
    `${dir}/a.seg`,
    "--memory",
    "40k",
  ]);
  assertEquals(r.code, 0, text(r.stderr));
  assertEquals(JSON.parse(text(r.stdout)).entries, 4000);
  r = await run(["stats", `${dir}/a.seg`]);
  const stats = JSON.parse(text(r.stdout));
  assertEquals([stats.entryCount, stats.utxo, stats.minHeight, stats.maxHeight], [
    4000,
    true,
    1,
    69,
  ]);
  assertTrue(stats.openedBytes < stats.fileBytes / 4);
  r = await run(["get", `${dir}/a.seg`, `${txids[1500]}:0`]);
  assertEquals(JSON.parse(text(r.stdout)).state, "unspent");
  r = await run(["get", `${dir}/a.seg`, `${txids[10]}:0`]);
  assertEquals(JSON.parse(text(r.stdout)).state, "spent");
  r = await run(["get", `${dir}/a.seg`, `${txids[10]}:0`, "--before", "60"]);
  assertEquals(JSON.parse(text(r.stdout)).state, "unspent");
  r = await run(["merge", "--out", `${dir}/gc.seg`, "--gc-height", "100", `${dir}/a.seg`]);
  assertEquals(r.code, 0, text(r.stderr));
  assertEquals(JSON.parse(text(r.stdout)).entries, 2000); // spent outputs and their deletes are gone
  r = await run(["check", `${dir}/a.seg`, `${dir}/gc.seg`]);
  assertEquals(r.code, 0, text(r.stdout));
  // Damage is reported by check, and by every command that opens the file.
  const bytes = Deno.readFileSync(`${dir}/gc.seg`);
  bytes[200]! ^= 1;
  Deno.writeFileSync(`${dir}/gc.seg`, bytes);
  r = await run(["check", `${dir}/gc.seg`]);
  assertEquals(r.code, 1);
  assertTrue(text(r.stdout).includes("PROBLEM"), text(r.stdout));
  r = await run(["bogus"]);
  assertEquals(r.code, 2);
});
