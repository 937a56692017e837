import { assertEquals, assertTrue } from "../_support/assert.ts";
import { BlockLayout } from "../../lib/bitcoin/block_layout.ts";
import { computeTxids } from "../../lib/bitcoin/txid.ts";
import { hashFromHex, hashToHex, toHex } from "../../lib/bytes/hex.ts";
import { collect } from "../../lib/collect/collect.ts";
import { type GenBlock, generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { sha256d } from "../../lib/hash/sha256.ts";
import { ArchiveQuery } from "../../lib/serve/archive_query.ts";
import { esploraHandler } from "../../lib/serve/esplora_routes.ts";
import { ResponseCache } from "../../lib/serve/response_cache.ts";
import { readTree } from "../_support/archive_files.ts";
import { outputsOf } from "../_support/chain_outputs.ts";

const base = Deno.makeTempDirSync({ prefix: "blkpipe-serve-" });
const XOR = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const chain: GenBlock[] = [
  ...generateChain({ seed: 31, blocks: 160, targetBlockSize: 20_000, forkRate: 0.05 }),
];
writeBlocksDir(`${base}/blocks`, chain, {
  seed: 31,
  shuffleWindow: 8,
  xorKey: XOR,
});
const archive = `${base}/archive`;
await collect({
  blocks: `${base}/blocks`,
  out: archive,
  includeTip: true,
  parity: false,
  checkLevel: "utxo",
  xorKey: XOR,
});
const main = chain.filter((b) => b.kind === "main");

/** The generator's knowledge: every output (value, script) and its spender. */
const { created: outputs, spentBy: spenders } = outputsOf(chain);

const q = await ArchiveQuery.open(archive);
const errors: string[] = [];
const responses = new ResponseCache(8 << 20); // every endpoint test also runs through it
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  esploraHandler(q, (l) => errors.push(l), responses),
);
const api = `http://127.0.0.1:${server.addr.port}/api`;
const get = async (path: string) => {
  const r = await fetch(api + path);
  return { status: r.status, body: new Uint8Array(await r.arrayBuffer()) };
};
const getText = async (path: string) => new TextDecoder().decode((await get(path)).body);
const getJson = async (path: string) => JSON.parse(await getText(path));

Deno.test({
  name: "serve: blocks — tip, heights, hashes, headers, txids, raw bytes, status, pages of 25",
  sanitizeResources: false,
  fn: async () => {
    const tip = main.at(-1)!;
    assertEquals(Number(await getText("/blocks/tip/height")), tip.height);
    assertEquals(await getText("/blocks/tip/hash"), hashToHex(tip.hash));
    for (const b of [main[0]!, main[1]!, main[77]!, tip]) {
      const hash = hashToHex(b.hash);
      assertEquals(await getText(`/block-height/${b.height}`), hash);
      const j = await getJson(`/block/${hash}`);
      const L = new BlockLayout().parse(b.bytes);
      assertEquals([j.id, j.height, j.tx_count, j.size], [
        hash,
        b.height,
        L.txCount,
        b.bytes.length,
      ]);
      assertEquals(
        j.previousblockhash,
        b.height === 0 ? null : hashToHex(main[b.height - 1]!.hash),
      );
      assertEquals(await getText(`/block/${hash}/header`), toHex(b.bytes.subarray(0, 80)));
      assertEquals((await get(`/block/${hash}/raw`)).body, b.bytes);
      const ids = computeTxids(L);
      const txids = await getJson(`/block/${hash}/txids`);
      assertEquals(
        txids,
        Array.from({ length: L.txCount }, (_, i) => hashToHex(ids.subarray(32 * i, 32 * i + 32))),
      );
      assertEquals(await getText(`/block/${hash}/txid/${L.txCount - 1}`), txids.at(-1));
      const status = await getJson(`/block/${hash}/status`);
      assertEquals([status.in_best_chain, status.height], [true, b.height]);
      const page = await getJson(`/block/${hash}/txs`);
      assertEquals(page.map((t: { txid: string }) => t.txid), txids.slice(0, 25));
      assertTrue(page.every((t: { status?: unknown }) => t.status === undefined));
    }
    const big = main.find((b) => new BlockLayout().parse(b.bytes).txCount > 25)!;
    const second = await getJson(`/block/${hashToHex(big.hash)}/txs/25`);
    assertTrue(second.length > 0 && second.length <= 25);
    const stale = chain.find((b) => b.kind === "stale");
    if (stale) {
      assertEquals((await getJson(`/block/${hashToHex(stale.hash)}/status`)).in_best_chain, false);
    }
    const ten = await getJson("/blocks");
    assertEquals(
      ten.map((b: { height: number }) => b.height),
      Array.from({ length: 10 }, (_, i) => tip.height - i),
    );
  },
});

Deno.test({
  name: "serve: transactions — prevouts, fee, status, hex/raw, outspends, merkle proofs",
  sanitizeResources: false,
  fn: async () => {
    let checked = 0;
    for (const b of [main[120]!, main[150]!]) {
      const L = new BlockLayout().parse(b.bytes);
      const ids = computeTxids(L);
      for (let t = 0; t < L.txCount; t += 3) {
        const txid = hashToHex(ids.subarray(32 * t, 32 * t + 32));
        const j = await getJson(`/tx/${txid}`);
        assertEquals([j.txid, j.status.block_height, j.status.block_hash], [
          txid,
          b.height,
          hashToHex(b.hash),
        ]);
        let valueIn = 0;
        for (const vin of j.vin) {
          if (t === 0) {
            assertEquals([vin.is_coinbase, vin.prevout], [true, null]);
            continue;
          }
          const o = outputs.get(`${vin.txid}:${vin.vout}`)!;
          assertEquals([vin.prevout.value, vin.prevout.scriptpubkey], [o.value, o.script]);
          valueIn += o.value;
        }
        const valueOut = j.vout.reduce((n: number, o: { value: number }) => n + o.value, 0);
        assertEquals(j.fee, t === 0 ? 0 : valueIn - valueOut);
        const bytes = b.bytes.subarray(L.txStart[t]!, L.txEnd[t]!);
        assertEquals(await getText(`/tx/${txid}/hex`), toHex(bytes));
        assertEquals((await get(`/tx/${txid}/raw`)).body, bytes);
        const outspends = await getJson(`/tx/${txid}/outspends`);
        outspends.forEach(
          (
            s: { spent: boolean; txid?: string; vin?: number; status?: { block_height: number } },
            v: number,
          ) => {
            const e = spenders.get(`${txid}:${v}`);
            assertEquals([s.spent, s.txid, s.vin, s.status?.block_height], [
              e !== undefined,
              e?.txid,
              e?.vin,
              e?.height,
            ]);
          },
        );
        // The merkle proof leads from the txid to the header's merkle root.
        const proof = await getJson(`/tx/${txid}/merkle-proof`);
        let h = hashFromHex(txid), pos = proof.pos;
        for (const sib of proof.merkle) {
          const s = hashFromHex(sib), pair = new Uint8Array(64);
          pair.set(pos & 1 ? s : h);
          pair.set(pos & 1 ? h : s, 32);
          h = sha256d(pair);
          pos >>= 1;
        }
        assertEquals(toHex(h), toHex(b.bytes.subarray(36, 68)));
        checked++;
      }
    }
    assertTrue(checked > 10, `${checked} transactions checked`);
    assertEquals(errors, []);
  },
});

Deno.test({
  name: "serve: bad requests get 400/404/414/501, never 500, and the server stays up",
  sanitizeResources: false,
  fn: async () => {
    const h = hashToHex(main[5]!.hash);
    const txid = (await getJson(`/block/${h}/txids`))[0];
    const cases: Array<[string, number]> = [
      ["/block/xyz", 400],
      [`/block/${"00".repeat(32)}`, 404],
      [`/block/${h}/txid/99999`, 400],
      [`/block/${h}/txs/5`, 400],
      [`/block/${h}/txs/2500`, 400],
      ["/block-height/-1", 400],
      ["/block-height/99999999", 404],
      ["/block-height/99999999999999999999", 400],
      [`/tx/${"ab".repeat(32)}`, 404],
      [`/tx/${txid}/outspend/99999`, 400],
      [`/tx/${txid}/outspend/-1`, 400],
      ["/tx/abc/hex", 400],
      ["/nothing/here", 404],
      ["/mempool", 501],
      ["/fee-estimates", 501],
      ["/address/bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080/txs", 501],
      [`/block/${"a".repeat(2000)}`, 414],
    ];
    for (const [path, status] of cases) assertEquals((await get(path)).status, status, path);
    const post = await fetch(`${api}/tx`, { method: "POST", body: "00" });
    assertEquals(post.status, 501);
    await post.body?.cancel();
    assertEquals(Number(await getText("/blocks/tip/height")), main.at(-1)!.height);
    assertEquals(errors, []);
  },
});

Deno.test({
  name: "serve: a damaged frame is a 500 with a one-line reason; other requests still work",
  sanitizeResources: false,
  fn: async () => {
    const copy = `${base}/damaged`;
    for (const [rel, bytes] of readTree(archive)) {
      Deno.mkdirSync(`${copy}/${rel}`.replace(/\/[^/]+$/, ""), { recursive: true });
      Deno.writeFileSync(`${copy}/${rel}`, bytes);
    }
    const chunk = `${copy}/chunks/00000.blk.zst`;
    const b = Deno.readFileSync(chunk);
    b.fill(0x55, 200, 4200);
    Deno.writeFileSync(chunk, b);
    const q2 = await ArchiveQuery.open(copy);
    const lines: string[] = [];
    const handle = esploraHandler(q2, (l) => lines.push(l));
    const ask = (path: string) => handle(new Request(`http://127.0.0.1/api${path}`));
    const bad = await ask(`/block/${hashToHex(main[1]!.hash)}/raw`);
    assertEquals(bad.status, 500);
    const reason = await bad.text();
    assertTrue(reason.includes("00000.blk.zst") && !reason.includes("\n"), reason);
    assertEquals(lines.length, 1);
    const tip = main.at(-1)!;
    const ok = await ask(`/block/${hashToHex(tip.hash)}/raw`);
    assertEquals([ok.status, new Uint8Array(await ok.arrayBuffer())], [200, tip.bytes]);
    q2.close();
  },
});

Deno.test({
  name: "serve: mempool.js (npm, unmodified, its own process) reads blocks and transactions",
  sanitizeResources: false,
  fn: async () => {
    const client = new URL("../_support/mempool_client.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-env",
        "--allow-read",
        "--allow-net=127.0.0.1",
        client,
        String(server.addr.port),
        "100",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    const b = main[100]!;
    assertEquals([r.tip, r.hash, r.block.height], [main.at(-1)!.height, hashToHex(b.hash), 100]);
    const L = new BlockLayout().parse(b.bytes);
    assertEquals(r.txids.length, L.txCount);
    assertEquals([r.tx.txid, r.tx.status.block_height], [r.txids.at(-1), 100]);
    assertEquals(r.outspends.length, L.txFirstOutput[1]! - L.txFirstOutput[0]!);
    assertEquals(r.hex, toHex(b.bytes.subarray(L.txStart[0]!, L.txEnd[0]!)));
  },
});

Deno.test({
  name:
    "serve: immutable answers come back identical from the response cache; tip, outspends and errors are not kept",
  sanitizeResources: false,
  fn: async () => {
    const b = main[main.length - 10]!;
    const hash = hashToHex(b.hash);
    const ids = await getJson(`/block/${hash}/txids`);
    const paths = [
      `/block/${hash}`,
      `/block/${hash}/txs`,
      `/block/${hash}/raw`,
      `/block-height/${b.height}`,
      `/tx/${ids[0]}`,
      `/tx/${ids[0]}/hex`,
      `/tx/${ids[0]}/merkle-proof`,
    ];
    for (const path of paths) {
      const first = await fetch(api + path);
      const a = new Uint8Array(await first.arrayBuffer());
      const hits = responses.hits;
      const second = await fetch(api + path);
      const c = new Uint8Array(await second.arrayBuffer());
      assertEquals(responses.hits, hits + 1, `${path} served from the cache`);
      assertEquals([second.status, second.headers.get("content-type")], [
        first.status,
        first.headers.get("content-type"),
      ]);
      assertEquals(c, a, path);
    }
    assertTrue(!ResponseCache.cacheable("blocks/tip/height"));
    assertTrue(!ResponseCache.cacheable(`tx/${ids[0]}/outspends`));
    // The unknown transaction's path is cacheable, its 404 is not kept.
    for (
      const path of ["/blocks/tip/height", `/tx/${ids[0]}/outspends`, `/tx/${"00".repeat(32)}`]
    ) {
      const hits = responses.hits;
      await (await fetch(api + path)).arrayBuffer();
      await (await fetch(api + path)).arrayBuffer();
      assertEquals(responses.hits, hits, `${path} not cached`);
    }
  },
});

Deno.test({
  name: "serve: shut down",
  sanitizeResources: false,
  fn: async () => {
    await server.shutdown();
    q.close();
  },
});
