import { createHash } from "node:crypto";
import { assertEquals, assertRejects, assertTrue } from "../_support/assert.ts";
import {
  type ChunkAppender,
  InlineChunkAppender,
  ThreadChunkAppender,
} from "../../lib/archive/chunk_appender.ts";
import { ChunkWriter } from "../../lib/archive/chunk_writer.ts";
import { FrameSpares } from "../../lib/archive/frame_spares.ts";
import { LocalStore } from "../../lib/store/local_store.ts";

function pieces(seed: number, count: number, size: number): Uint8Array[] {
  let x = seed;
  return Array.from({ length: count }, (_, i) => {
    const b = new Uint8Array(size + i * 7);
    for (let j = 0; j < b.length; j++) b[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    return b;
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Descriptors of this process open on `path` (`ls`: reading /proc directly needs --allow-all). */
function descriptorsOn(path: string): number {
  const out = new Deno.Command("ls", { args: ["-l", `/proc/${Deno.pid}/fd`] }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.endsWith(` ${path}`))
    .length;
}

async function appendAll(
  appender: ChunkAppender,
  dir: string,
  prefix: Uint8Array,
  parts: Uint8Array[],
): Promise<{ bytes: Uint8Array; digest: string; given: number }> {
  const store = new LocalStore(dir);
  Deno.writeFileSync(`${dir}/c.open`, prefix);
  const file = await store.openAppend("c.open");
  appender.begin(file, prefix.length);
  const total = prefix.length + parts.reduce((n, p) => n + p.length, 0);
  let given = 0;
  for (const p of parts) {
    await appender.append(p);
    if (p.byteLength === 0) given++;
  }
  await appender.drain();
  assertEquals(file.length, total);
  await file.sync();
  const thread = appender instanceof ThreadChunkAppender;
  assertEquals(descriptorsOn(`${dir}/c.open`), thread ? 2 : 1, "the thread has its own");
  const digest = await appender.digest();
  file.close();
  assertEquals(descriptorsOn(`${dir}/c.open`), 0, "the digest closes the thread's descriptor");
  return { bytes: Deno.readFileSync(`${dir}/c.open`), digest, given };
}

Deno.test("the writer thread appends and hashes exactly what the calling thread does", async () => {
  const prefix = pieces(1, 1, 300_000)[0]!; // a resumed chunk: hashed from disk
  const copies = () => pieces(2, 45, 1 << 20); // > the 32 MiB in flight: append must wait
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-appender-" });
  const thread = new ThreadChunkAppender();
  const threaded = await appendAll(thread, dir, prefix, copies());
  thread.close();
  const inline = await appendAll(new InlineChunkAppender(), dir, prefix, copies());
  assertEquals(threaded.given, 45, "the thread takes the buffers over (transferred, not copied)");
  assertEquals(inline.given, 0);
  assertTrue(threaded.bytes.length > 45 << 20);
  assertEquals(threaded.bytes, inline.bytes);
  assertEquals(threaded.digest, sha256(threaded.bytes));
  assertEquals(inline.digest, threaded.digest);
});

Deno.test("a failure on the writer thread surfaces at the next wait, and every later one", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "blkpipe-appender-fail-" });
  const file = await new LocalStore(dir).openAppend("short.open");
  const thread = new ThreadChunkAppender();
  try {
    thread.begin(file, 100); // the file holds 0 of its "durable" 100 bytes
    await thread.append(new Uint8Array(10));
    await assertRejects(() => thread.drain(), /before its durable length 100/);
    await thread.append(new Uint8Array(10));
    await assertRejects(() => thread.drain(), /short.open ends at byte 0/);
    assertEquals(Deno.statSync(`${dir}/short.open`).size, 0, "nothing written after the failure");
  } finally {
    thread.close();
    file.close();
  }
  // The worker stops asynchronously: give it up to 2 s.
  for (let i = 0; i < 40 && descriptorsOn(`${dir}/short.open`) > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assertEquals(descriptorsOn(`${dir}/short.open`), 0, "a stopped thread's descriptor closes");
});

Deno.test("a chunk written on the writer thread, killed and resumed equals one written inline", async () => {
  const frames = () => pieces(3, 12, 50_000);
  const seal = async (dir: string, thread: boolean, killAfter: number) => {
    const out = new LocalStore(dir);
    let w = new ChunkWriter(out, undefined, thread);
    await w.start(0, 0);
    const all = frames();
    for (let i = 0; i < all.length; i++) {
      if (i === killAfter) {
        await w.sync();
        const state = structuredClone(w.state!);
        await w.append(pieces(9, 1, 7_000)[0]!, 0, 1, 1); // lost in the "kill"
        w.close();
        w = new ChunkWriter(out, undefined, thread);
        await w.resume(state);
      }
      await w.append(all[i]!, i, 1000 + i, 1);
    }
    await w.sync();
    const entry = await w.seal(false);
    w.close();
    return { entry, bytes: Deno.readFileSync(`${dir}/${entry.file}`) };
  };
  const root = Deno.makeTempDirSync({ prefix: "blkpipe-appender-chunk-" });
  const inline = await seal(`${root}/inline`, false, Infinity);
  const threaded = await seal(`${root}/thread`, true, 5);
  assertEquals(threaded.bytes, inline.bytes);
  assertEquals(threaded.entry, inline.entry);
  assertEquals(threaded.entry.sha256, sha256(threaded.bytes));
});

for (const kind of ["thread", "inline"] as const) {
  Deno.test(`the ${kind} appender gives each written buffer back to the spares, whole, up to their bound`, async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const spares = new FrameSpares(3);
      const parts = pieces(5, 5, 4096);
      const views = parts.map((p) => p.subarray(0, 1000 + p.length % 7)); // frames are views
      const expected = views.map((v) => v.slice());
      const appender = kind === "thread"
        ? new ThreadChunkAppender(spares)
        : new InlineChunkAppender(spares);
      const written = await appendAll(appender, dir, new Uint8Array(0), views);
      const joined = new Uint8Array(expected.reduce((n, p) => n + p.length, 0));
      expected.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
      assertEquals(sha256(written.bytes), sha256(joined), "the views' bytes only");
      assertEquals(spares.size, 3, "kept up to the bound");
      const lengths = [spares.take(), spares.take(), spares.take()].map((b) => b?.byteLength);
      assertTrue(lengths.every((n) => n !== undefined && n >= 4096), `whole buffers: ${lengths}`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
