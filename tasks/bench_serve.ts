/**
 * `deno task bench:serve [ARCHIVE]`: `deno task serve` under load —
 * autocannon (npm), 16 connections, 10 s per endpoint, requests spread
 * over 200 random transactions/blocks of the archive (default: bench:index's
 * 1 GiB archive, or a small generated one), after one warm-up pass (timed:
 * each URL's first request, before its answer is in the response cache),
 * with `--cache 512` (the 200 blocks' frames fit): requests/s, p50/p99
 * latency, non-2xx responses and errors, and the server's peak RSS (its own
 * process). Repeated URLs are answered from the server's response cache.
 * Beside each endpoint, the same load against a reference server: a minimal
 * `Deno.serve` answering a constant body of the endpoint's median size.
 *
 * @module
 */

import autocannon from "autocannon";
import { BlockLayout } from "../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../lib/bitcoin/txid.ts";
import { hashToHex } from "../lib/bytes/hex.ts";
import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { collect } from "../lib/collect/collect.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { Prng } from "../lib/gen/prng.ts";
import { exists } from "./_bench_chain.ts";

let archive = Deno.args[0] ?? new URL("../.tmp/bench-index/archive-1g", import.meta.url).pathname;
if (!exists(`${archive}/index/checkpoint.json`)) {
  archive = new URL("../.tmp/bench-serve/archive", import.meta.url).pathname;
  if (!exists(`${archive}/index/checkpoint.json`)) {
    const dir = new URL("../.tmp/bench-serve", import.meta.url).pathname;
    console.log(`generating and collecting a 400-block chain into ${archive} …`);
    writeBlocksDir(
      `${dir}/blocks`,
      generateChain({ seed: 3, blocks: 400, targetBlockSize: 200_000 }),
    );
    await collect({
      blocks: `${dir}/blocks`,
      out: archive,
      includeTip: true,
      parity: false,
      checkLevel: "utxo",
    });
  }
}

// 200 random transactions and blocks to ask for.
const reader = await ArchiveReader.open(archive);
const rng = new Prng(11);
const txids: string[] = [], heights: number[] = [], hashes: string[] = [];
for (let i = 0; i < 200; i++) {
  const h = rng.int(1, reader.tipHeight);
  const b = await reader.readBlock(h);
  const L = new BlockLayout().parse(b);
  const t = rng.int(0, L.txCount - 1);
  txids.push(hashToHex(computeTxids(L).subarray(32 * t, 32 * t + 32)));
  heights.push(h);
  hashes.push(hashToHex((await reader.record(h)).hash));
}
reader.close();

const port = 3000 + rng.int(100, 900);
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-read",
    "--allow-net",
    new URL("../cli/serve.ts", import.meta.url).pathname,
    "--archive",
    archive,
    "--port",
    String(port),
    "--cache",
    Deno.args[1] ?? "512",
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const out = server.stdout.getReader();
console.log(new TextDecoder().decode((await out.read()).value).trim());

// Reference in the same run: a minimal `Deno.serve` that answers every request with a constant body
// of the size asked for (`/SIZE/…`), under the same load generator and the same 200 rotating paths — what this machine's HTTP stack
// and autocannon reach for answers of that size, with no routing, cache or archive behind them.
const refPort = port + 1;
const reference = new Deno.Command(Deno.execPath(), {
  args: [
    "eval",
    `const bodies = new Map();
    Deno.serve({ hostname: "127.0.0.1", port: ${refPort}, onListen: () => console.log("ready") },
      (req) => {
        const n = Number(new URL(req.url).pathname.split("/")[1]);
        let b = bodies.get(n);
        if (!b) bodies.set(n, b = new Uint8Array(n).fill(48));
        return new Response(b, { headers: { "content-type": "application/json" } });
      });`,
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
await reference.stdout.getReader().read();

function peakRss(pid: number): string {
  // (read through cat: Deno reads /proc only with --allow-all)
  const status = new Deno.Command("cat", { args: [`/proc/${pid}/status`], stdout: "piped" })
    .outputSync();
  const m = /VmHWM:\s+(\d+) kB/.exec(new TextDecoder().decode(status.stdout));
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MiB` : "n/a";
}

const endpoints: Array<[string, (i: number) => string]> = [
  ["/api/tx/:txid/hex", (i) => `/api/tx/${txids[i]}/hex`],
  ["/api/block-height/:h", (i) => `/api/block-height/${heights[i]}`],
  ["/api/tx/:txid", (i) => `/api/tx/${txids[i]}`],
  ["/api/block/:hash/txs", (i) => `/api/block/${hashes[i]}/txs`],
];
console.log(
  "\n| endpoint | req/s | p50 | p99 | non-2xx | errors | server peak RSS | first request p50 / p99 " +
    "| reference: constant body of the median size, req/s p50 p99 |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const [name, path] of endpoints) {
  let n = 0;
  // Warm the caches: every path once, timed (a URL's first request: no response cached yet).
  const first: number[] = [], sizes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    sizes.push(
      (await (await fetch(`http://127.0.0.1:${port}${path(i)}`)).arrayBuffer()).byteLength,
    );
    first.push(performance.now() - t);
  }
  first.sort((a, b) => a - b);
  sizes.sort((a, b) => a - b);
  // deno-lint-ignore no-explicit-any
  const r: any = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 16,
    duration: 10,
    requests: [{
      setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path(n++ % 200) }),
    }],
  });
  console.log(
    `| ${name} | ${Math.round(r.requests.average).toLocaleString("en")} | ${r.latency.p50} ms | ` +
      `${r.latency.p99} ms | ${r.non2xx} | ${r.errors + r.timeouts} | ${peakRss(server.pid)} | ` +
      `${first[100]!.toFixed(1)} / ${first[198]!.toFixed(1)} ms | ${await referenceRun(
        sizes[100]!,
      )} |`,
  );
}
server.kill("SIGTERM");
await server.status;
reference.kill("SIGTERM");
await reference.status;

/** The same load against the reference server's constant `size`-byte body. */
async function referenceRun(size: number): Promise<string> {
  let n = 0;
  // deno-lint-ignore no-explicit-any
  const r: any = await autocannon({
    url: `http://127.0.0.1:${refPort}`,
    connections: 16,
    duration: 10,
    requests: [{
      setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `/${size}/${n++ % 200}` }),
    }],
  });
  return `${size.toLocaleString("en")} B: ${
    Math.round(r.requests.average).toLocaleString("en")
  }, ` +
    `${r.latency.p50} ms, ${r.latency.p99} ms`;
}
