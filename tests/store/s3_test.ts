import { assertEquals, assertTrue } from "../_support/assert.ts";
import { collect } from "../../lib/collect/collect.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { s3Config } from "../../lib/store/s3_location.ts";
import { S3Store } from "../../lib/store/s3_store.ts";
import { type LocalS3, startS3 } from "../_support/s3.ts";
import { cliCommand, readTree } from "../_support/archive_files.ts";
import { protectArchive } from "../../lib/parity/protect_archive.ts";
import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { hashFromHex, hashToHex, toHex } from "../../lib/bytes/hex.ts";
import { buildChainIndex } from "../../lib/index/build_index.ts";
import { ArchiveQuery } from "../../lib/serve/archive_query.ts";

const dir = Deno.makeTempDirSync({ prefix: "blkpipe-s3-" });
const chain = [...generateChain({ seed: 21, blocks: 300, targetBlockSize: 30_000 })];
writeBlocksDir(`${dir}/blocks`, chain, { seed: 21 });
const local = `${dir}/local`;
await collect({
  blocks: `${dir}/blocks`,
  out: local,
  includeTip: true,
  parity: false,
  chunkPolicy: { blocks: 100 },
});
// The same blocks collected in two runs (to height 150, then the rest): the tail chunk's frames
// differ from one run's, so the two-run S3 archive is compared with this one.
const twoRuns = `${dir}/local-two-runs`;
for (const toHeight of [150, Infinity]) {
  await collect({
    blocks: `${dir}/blocks`,
    out: twoRuns,
    includeTip: true,
    parity: false,
    chunkPolicy: { blocks: 100 },
    toHeight,
  });
}
const ARCHIVE_FILES = [
  ...[...Deno.readDirSync(`${local}/chunks`)].map((e) => `chunks/${e.name}`),
  "index/heights.idx",
  "manifest.json",
  "rejects.jsonl",
];
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const cli = (s3: LocalS3, script: string, args: string[], env = s3.env, perms = s3.perms) =>
  cliCommand(script, ["--allow-read", "--allow-write", ...perms], args, env);
const collectArgs = (url: string, stage: string, more: string[] = []) => [
  "--blocks",
  `${dir}/blocks`,
  "--out",
  url,
  "--stage",
  stage,
  "--include-tip",
  "--chunk-blocks",
  "100",
  "--no-parity",
  "--quiet",
  ...more,
];
const storeOf = (s3: LocalS3, url: string, spool?: string) =>
  new S3Store(s3Config(url, s3.env), { spool, retry: { attempts: 2, firstDelayMs: 50 } });

/** Every archive file of the local run is the same object in the bucket; no lock is left. */
async function sameAsLocal(s3: LocalS3, url: string, reference = local): Promise<void> {
  const store = storeOf(s3, url);
  for (const f of ARCHIVE_FILES) {
    const o = (await store.read(f)) ?? new Uint8Array(0);
    const want = Deno.readFileSync(`${reference}/${f}`);
    const at = o.findIndex((b, i) => b !== want[i]);
    assertTrue(
      o.length === want.length && at < 0,
      `${url}/${f}: ${o.length} bytes in the bucket, ${want.length} local, first difference at ${at}`,
    );
  }
  assertEquals(await store.read("writer.lock"), null, "lock object left behind");
  assertEquals((await store.list("chunks")).length, ARCHIVE_FILES.length - 3);
}

Deno.test("S3: collect uploads the same files as a local collect; get, export and verify read them", async () => {
  const s3 = await startS3(["bkt"]);
  try {
    const r = await cli(s3, "collect.ts", collectArgs("s3://bkt/a/b", `${dir}/stage-1`)).output();
    assertEquals(r.code, 0, text(r.stderr));
    await sameAsLocal(s3, "s3://bkt/a/b");
    const get = await cli(s3, "get.ts", [
      "--archive",
      "s3://bkt/a/b",
      "--height",
      "123",
      "--format",
      "raw",
    ])
      .output();
    assertEquals(get.code, 0, text(get.stderr));
    assertEquals(get.stdout, chain[123]!.bytes);
    const ex = await cli(s3, "export.ts", [
      "--archive",
      "s3://bkt/a/b",
      "--from",
      "95",
      "--to",
      "105",
    ])
      .output();
    const exLocal = await cli(s3, "export.ts", ["--archive", local, "--from", "95", "--to", "105"])
      .output();
    assertEquals(ex.code, 0, text(ex.stderr));
    assertEquals(ex.stdout, exLocal.stdout);
    const v = await cli(s3, "verify.ts", ["--archive", "s3://bkt/a/b"]).output();
    assertEquals(v.code, 0, text(v.stderr) + text(v.stdout));
    // What needs local files says so in one line.
    const recompressed = await cli(s3, "recompress.ts", [
      "--archive",
      "s3://bkt/a/b",
      "--level",
      "9",
    ])
      .output();
    const err = text(recompressed.stderr).trim();
    assertEquals(recompressed.code, 1, err);
    assertTrue(err.includes("works on a local archive directory") && !err.includes("\n"), err);
    const served = await cli(s3, "serve.ts", ["--archive", "s3://bkt/a/b"]).output();
    assertTrue(served.code !== 0 && text(served.stderr).includes("--index-dir DIR is required"));
    const unstaged = await cli(s3, "parity.ts", ["verify", "--archive", "s3://bkt/a/b"]).output();
    assertTrue(unstaged.code !== 0 && text(unstaged.stderr).includes("--stage DIR is required"));
    // A second run with nothing new changes nothing.
    const again = await cli(s3, "collect.ts", collectArgs("s3://bkt/a/b", `${dir}/stage-1`))
      .output();
    assertEquals(again.code, 0, text(again.stderr));
    await sameAsLocal(s3, "s3://bkt/a/b");
  } finally {
    await s3.stop();
  }
});

/** A copy of the local archive with its own parity computed (made once). */
let parityRef: Promise<string> | undefined;
function parityReference(): Promise<string> {
  return parityRef ??= (async () => {
    const ref = `${dir}/local-parity`;
    for (const [rel, bytes] of readTree(local)) {
      const path = `${ref}/${rel}`;
      Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      Deno.writeFileSync(path, bytes);
    }
    await protectArchive(ref);
    return ref;
  })();
}

/** Bytes of `path` in the bucket equal `want` (one line naming the first difference otherwise). */
async function sameObject(store: S3Store, path: string, want: Uint8Array): Promise<void> {
  const got = (await store.read(path)) ?? new Uint8Array(0);
  const at = got.findIndex((b, i) => b !== want[i]);
  assertTrue(got.length === want.length && at < 0, `${path}: differs at ${at} (${got.length} B)`);
}

Deno.test("S3: collect computes parity; parity verify finds a deleted chunk, a damaged height index and a zeroed run, repair rebuilds them byte-exactly", async () => {
  const s3 = await startS3(["bkt"]);
  try {
    const url = "s3://bkt/par", stage = `${dir}/stage-parity`;
    const r = await cli(
      s3,
      "collect.ts",
      collectArgs(url, stage).filter((a) => a !== "--no-parity"),
    )
      .output();
    assertEquals(r.code, 0, text(r.stderr));
    // The same recovery files as parity computed on the local archive.
    const ref = await parityReference();
    const store = storeOf(s3, url, `${dir}/spool-damage`);
    const parityFiles = [...Deno.readDirSync(ref)].map((e) => e.name)
      .filter((n) => n.endsWith(".par2") || n === "parity.json");
    assertTrue(parityFiles.length >= 5, parityFiles.join(" "));
    for (const f of parityFiles) await sameObject(store, f, Deno.readFileSync(`${ref}/${f}`));
    assertEquals([...Deno.readDirSync(stage)].some((e) => e.name === "parity-work"), false);
    const parity = (cmd: string) =>
      cli(s3, "parity.ts", [cmd, "--archive", url, "--stage", stage]).output();
    const rounds = [
      async () => { // a whole chunk object lost and the (pieced) height index damaged
        await store.remove("chunks/00001.blk.zst");
        const idx = await store.openAppend("index/heights.idx");
        const bytes = new Uint8Array(idx.length);
        idx.readAt(bytes, 0);
        for (let i = 0; i < 40; i++) bytes[(i * 7919) % bytes.length]! ^= 0x5a;
        idx.truncate(0);
        idx.append(bytes);
        await idx.sync();
        idx.close();
      },
      async () => { // then a zeroed 4 KiB run inside another chunk
        const c = (await store.read("chunks/00002.blk.zst"))!;
        c.fill(0, 5000, 5000 + 4096);
        await store.replace("chunks/00002.blk.zst", c);
      },
    ];
    for (const damage of rounds) {
      await damage();
      const before = await parity("verify");
      assertEquals(before.code, 1, text(before.stdout));
      assertTrue(text(before.stdout).includes("DAMAGED, recoverable"), text(before.stdout));
      const fixed = await parity("repair");
      assertEquals(fixed.code, 0, text(fixed.stdout) + text(fixed.stderr));
      const after = await parity("verify");
      assertEquals(after.code, 0, text(after.stdout) + text(after.stderr));
      await sameAsLocal(s3, url);
      const v = await cli(s3, "verify.ts", ["--archive", url]).output();
      assertEquals(v.code, 0, text(v.stdout));
    }
  } finally {
    await s3.stop();
  }
});

Deno.test("S3: the chain index beside a bucket archive — index, get --txid and serve answer as for a local archive", async () => {
  const s3 = await startS3(["bkt"]);
  const url = "s3://bkt/served", idx = `${dir}/index-of-s3`;
  let server: Deno.ChildProcess | undefined;
  try {
    const c = await cli(s3, "collect.ts", collectArgs(url, `${dir}/stage-served`)).output();
    assertEquals(c.code, 0, text(c.stderr));
    const refused = await cli(s3, "index.ts", ["--archive", url]).output();
    assertTrue(refused.code !== 0 && text(refused.stderr).includes("--index-dir DIR is required"));
    const built = await cli(s3, "index.ts", ["--archive", url, "--index-dir", idx, "--json"])
      .output();
    assertEquals(built.code, 0, text(built.stderr));
    assertEquals(JSON.parse(text(built.stdout)).to, chain.length - 1);
    // The same index files as the local archive's own index.
    const ref = `${dir}/local-indexed`;
    for (const [rel, bytes] of readTree(local)) {
      Deno.mkdirSync(`${ref}/${rel}`.slice(0, `${ref}/${rel}`.lastIndexOf("/")), {
        recursive: true,
      });
      Deno.writeFileSync(`${ref}/${rel}`, bytes);
    }
    await buildChainIndex(ref);
    const mine = readTree(`${idx}/index`);
    for (const [rel, bytes] of readTree(`${ref}/index`)) {
      if (rel === "heights.idx") continue; // the archive's height index, not the chain index
      const got = mine.get(rel);
      assertTrue(
        got !== undefined && got.length === bytes.length && got.every((b, i) => b === bytes[i]),
        rel,
      );
    }
    // get --txid through the separate index reads the transaction from the bucket.
    const layout = new BlockLayout();
    layout.parse(chain[123]!.bytes);
    const txid = hashToHex(computeTxids(layout).subarray(32, 64));
    const got = await cli(s3, "get.ts", [
      "--archive",
      url,
      "--index-dir",
      idx,
      "--txid",
      txid,
      "--format",
      "hex",
    ])
      .output();
    assertEquals(got.code, 0, text(got.stderr));
    const q = await ArchiveQuery.open(ref);
    assertEquals(text(got.stdout).trim(), toHex(await q.rawTx(hashFromHex(txid))));
    // serve answers from the bucket as the local archive's query does.
    server = cli(s3, "serve.ts", ["--archive", url, "--index-dir", idx, "--port", "0"], s3.env, [
      "--allow-net=127.0.0.1",
      s3.perms[1]!,
    ]).spawn();
    const reader = server.stdout.getReader();
    let line = "";
    while (!line.includes("\n")) {
      const r = await reader.read();
      if (r.done) break;
      line += new TextDecoder().decode(r.value);
    }
    reader.releaseLock();
    const api = /(http:\/\/[^ ]+\/api)\//.exec(line)?.[1];
    assertTrue(api !== undefined, line);
    const tx = await (await fetch(`${api}/tx/${txid}`)).json();
    assertEquals(tx, await q.tx(hashFromHex(txid)));
    const hash = await (await fetch(`${api}/block-height/200`)).text();
    assertEquals(hash, await q.hashAt(200));
    const txs = await (await fetch(`${api}/block/${hash}/txs`)).json();
    assertEquals(txs.length, Math.min(25, (await q.txids(hashFromHex(hash))).length));
    q.close();
    // A directory without the index is refused in one line.
    const wrong = await cli(
      s3,
      "serve.ts",
      ["--archive", url, "--index-dir", `${dir}/other-index`, "--port", "0"],
      s3.env,
      [
        "--allow-net=127.0.0.1",
        s3.perms[1]!,
      ],
    ).output();
    assertEquals(wrong.code, 1);
    assertTrue(text(wrong.stderr).includes("no chain index there"), text(wrong.stderr));
  } finally {
    if (server) {
      server.kill("SIGTERM");
      await server.stdout.cancel().catch(() => {});
      await server.status;
    }
    await s3.stop();
  }
});

Deno.test("S3: killed at random instants (parity on), collect resumes and the bucket ends byte-identical", async () => {
  const s3 = await startS3(["bkt"]);
  try {
    const url = "s3://bkt/killed", stage = `${dir}/stage-kill`;
    const args = (more: string[] = []) =>
      collectArgs(url, stage, more).filter((a) => a !== "--no-parity");
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      const child = cli(s3, "collect.ts", args(["--checkpoint", "256KiB"])).spawn();
      await new Promise((r) => setTimeout(r, 300 + ((round * 397) % 1200)));
      try {
        child.kill("SIGKILL");
        kills++;
      } catch { /* already done */ }
      await child.output();
    }
    const r = await cli(s3, "collect.ts", args()).output();
    assertEquals(r.code, 0, text(r.stderr));
    assertTrue(kills > 0);
    await sameAsLocal(s3, url);
    // The chunk groups' recovery files are an uninterrupted local run's; every set is intact.
    const ref = await parityReference(), store = storeOf(s3, url);
    const groups = [...Deno.readDirSync(ref)].map((e) => e.name)
      .filter((n) => n.startsWith("parity-g"));
    assertTrue(groups.length >= 2, groups.join(" "));
    for (const f of groups) await sameObject(store, f, Deno.readFileSync(`${ref}/${f}`));
    const v = await cli(s3, "parity.ts", ["verify", "--archive", url, "--stage", stage]).output();
    assertEquals(v.code, 0, text(v.stdout) + text(v.stderr));
    assertEquals(
      [...Deno.readDirSync(`${stage}/spool`)].some((e) => e.name === "multipart"),
      false,
    );
  } finally {
    await s3.stop();
  }
});

Deno.test("S3: large objects go up in parts; a killed writer's multipart upload is aborted by the next", async () => {
  const s3 = await startS3(["bkt"]);
  try {
    const spool = `${dir}/spool-mp`;
    const store = new S3Store(s3Config("s3://bkt/mp", s3.env), { spool, partBytes: 1 << 20 });
    const data = new Uint8Array(2_600_000).map((_, i) => (i * 7919) & 255);
    const f = await store.openAppend("big.bin.tmp", 0);
    f.append(data);
    await f.sync();
    f.close();
    await store.rename("big.bin.tmp", "big.bin");
    assertEquals(await store.read("big.bin"), data);
    assertEquals(await store.read("big.bin.tmp"), null);
    assertEquals(await store.readAt("big.bin", 1_500_000, 10), data.subarray(1_500_000, 1_500_010));
    // A writer killed mid-upload leaves its record; taking the lock aborts the upload.
    const id = await store.client.createMultipart("mp/orphan");
    Deno.mkdirSync(`${spool}/multipart`, { recursive: true });
    Deno.writeTextFileSync(`${spool}/multipart/x.json`, JSON.stringify({ key: "mp/orphan", id }));
    const lock = await store.lock({ create: true });
    assertEquals(store.abortedUploads, 1);
    assertEquals([...Deno.readDirSync(`${spool}/multipart`)].length, 0);
    await lock.release();
  } finally {
    await s3.stop();
  }
});

Deno.test("S3: wrong or missing credentials, a missing permission, a server gone: one line, exit 1, no secret", async () => {
  const s3 = await startS3(["bkt"]);
  const args = collectArgs("s3://bkt/c", `${dir}/stage-c`, ["--to-height", "150"]);
  try {
    const ok = await cli(s3, "collect.ts", args).output();
    assertEquals(ok.code, 0, text(ok.stderr));
    const cases: Array<[string, Record<string, string>, string[], string]> = [
      [
        "wrong key",
        { ...s3.env, AWS_ACCESS_KEY_ID: "NOPE", AWS_SECRET_ACCESS_KEY: "TOPSECRET123" },
        s3.perms,
        "InvalidAccessKeyId",
      ],
      [
        "no credentials",
        { AWS_ENDPOINT_URL: s3.env.AWS_ENDPOINT_URL! },
        s3.perms,
        "set AWS_ACCESS_KEY_ID",
      ],
      ["no env permission", s3.env, [s3.perms[0]!], "--allow-env="],
      ["no net permission", s3.env, [s3.perms[1]!], "--allow-net="],
    ];
    for (const [what, env, perms, expected] of cases) {
      const r = await cli(s3, "collect.ts", args, env, perms).output();
      const err = text(r.stderr).trim();
      assertEquals(r.code, 1, `${what}: ${err}`);
      assertTrue(err.includes(expected) && err.split("\n").length === 1, `${what}: ${err}`);
      assertTrue(!err.includes("TOPSECRET123") && !text(r.stdout).includes("TOPSECRET123"), what);
    }
  } finally {
    await s3.stop({ keep: true });
  }
  // The server goes away: a clear error; back (same objects, another port), the run completes.
  const gone = await cli(s3, "collect.ts", collectArgs("s3://bkt/c", `${dir}/stage-c`)).output();
  assertEquals(gone.code, 1);
  assertTrue(text(gone.stderr).includes("cannot reach the S3 endpoint"), text(gone.stderr));
  assertEquals(text(gone.stderr).trim().split("\n").length, 1, text(gone.stderr));
  const back = await startS3(["bkt"], { dir: s3.dir });
  try {
    const r = await cli(back, "collect.ts", collectArgs("s3://bkt/c", `${dir}/stage-c`)).output();
    assertEquals(r.code, 0, text(r.stderr));
    await sameAsLocal(back, "s3://bkt/c", twoRuns);
  } finally {
    await back.stop();
  }
});

Deno.test("S3: the height index is kept in 1 MiB pieces; a sync uploads only what changed", async () => {
  const s3 = await startS3(["bkt"]);
  try {
    const spool = `${dir}/spool-pieces`;
    const store = new S3Store(s3Config("s3://bkt/p", s3.env), { spool });
    const path = "index/heights.idx";
    const content = new Uint8Array(3_500_000).map((_, i) => (i * 131) & 255);
    const f = await store.openAppend(path);
    f.append(content.subarray(0, 3_000_000));
    await f.sync();
    f.append(content.subarray(3_000_000));
    const before = store.client.requests;
    await f.sync(); // bytes 3,000,000..3,500,000: pieces 2 and 3
    assertEquals(store.client.requests - before, 2);
    f.close();
    assertEquals(await store.size(path), content.length);
    assertEquals(await store.read(path), content);
    assertEquals(
      await store.readAt(path, 1_048_000, 1_000),
      content.subarray(1_048_000, 1_049_000),
    );
    assertEquals(await store.list("index"), ["heights.idx.pieces"]);
    // Reopened (from the bucket, not the spool) at a shorter durable length, then grown a little:
    // the pieces past the end go, every byte is where it belongs.
    Deno.removeSync(spool, { recursive: true });
    const g = await store.openAppend(path, 1_200_000);
    g.append(content.subarray(1_200_000, 1_300_000));
    await g.sync();
    g.close();
    assertEquals(await store.read(path), content.subarray(0, 1_300_000));
    assertEquals((await store.client.list("p/index/heights.idx.pieces/")).keys.length, 2);
    await store.remove(path);
    assertEquals(await store.size(path), null);
  } finally {
    await s3.stop();
  }
});

Deno.test("S3: one writer per archive — a lock left by a killed run refuses another stage, the same stage takes over", async () => {
  const s3 = await startS3(["bkt"]);
  try {
    const url = "s3://bkt/locked";
    const store = storeOf(s3, url);
    let locked = false;
    for (let wait = 300; !locked && wait < 5000; wait += 400) {
      const child = cli(s3, "collect.ts", collectArgs(url, `${dir}/stage-lock-a`)).spawn();
      await new Promise((r) => setTimeout(r, wait));
      try {
        child.kill("SIGKILL");
      } catch { /* already done */ }
      await child.output();
      locked = (await store.read("writer.lock")) !== null;
    }
    assertTrue(locked, "no run was caught holding the lock");
    const other = await cli(s3, "collect.ts", collectArgs(url, `${dir}/stage-lock-b`)).output();
    const err = text(other.stderr).trim();
    assertEquals(other.code, 1, err);
    assertTrue(err.includes("another stage directory") && !err.includes("\n"), err);
    const same = await cli(s3, "collect.ts", collectArgs(url, `${dir}/stage-lock-a`)).output();
    assertEquals(same.code, 0, text(same.stderr));
    await sameAsLocal(s3, url);
  } finally {
    await s3.stop();
  }
});
