import { assertEquals, assertTrue } from "../_support/assert.ts";
import { BufferPool, POOL_MIN_BYTES, poolClassOf } from "../../lib/bytes/buffer_pool.ts";
import { RecordScanner, type ScanEvent } from "../../lib/source/record_scanner.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import { blkRecord, concatBytes } from "../_support/blocks_dir.ts";

Deno.test("size classes: at most 25% above the request, stable, plain below the minimum", () => {
  for (const n of [1, 1000, POOL_MIN_BYTES - 1]) assertEquals(poolClassOf(n), n);
  for (let n = POOL_MIN_BYTES; n < 8 << 20; n = Math.ceil(n * 1.07) + 1) {
    const c = poolClassOf(n);
    assertTrue(c >= n && c <= n * 1.25 + 1, `${n} -> ${c}`);
    assertEquals(poolClassOf(c), c, `a class is its own class (${c})`);
  }
  assertEquals(poolClassOf(1_400_000), 1_572_864);
});

Deno.test("the pool hands a given-back buffer out again, and only buffers it can use", () => {
  const pool = new BufferPool(2);
  const a = pool.take(1_400_000);
  assertEquals([a.length, a.byteOffset, a.buffer.byteLength], [1_400_000, 0, 1_572_864]);
  a.fill(7);
  pool.give(a);
  const b = pool.take(1_500_000);
  assertTrue(b.buffer === a.buffer, "reused");
  assertEquals(b[0], 7, "not zeroed: the caller overwrites what it uses");
  assertEquals(pool.allocated, 1);
  // Not pooled: small, odd-sized, views at an offset, detached.
  pool.give(new Uint8Array(1000));
  pool.give(new Uint8Array(1_400_000));
  pool.give(new Uint8Array(new ArrayBuffer(1_572_864), 8));
  const detached = pool.take(1_400_000);
  (detached.buffer as ArrayBuffer).transfer(); // detaches it
  pool.give(detached);
  assertTrue(pool.take(1_400_000).buffer !== a.buffer && pool.allocated === 3, "none of them");
  // At most `perClass` kept.
  const kept = [pool.take(200_000), pool.take(200_000), pool.take(200_000)];
  for (const k of kept) pool.give(k);
  const before = pool.allocated;
  pool.take(200_000), pool.take(200_000), pool.take(200_000);
  assertEquals(pool.allocated, before + 1);
});

Deno.test("a scanner copying blocks into pooled buffers emits the same blocks", () => {
  const chain = [...generateChain({ seed: 5, blocks: 130, targetBlockSize: 120_000 })];
  const magic = NETWORKS.regtest.magic;
  const file = concatBytes(chain.map((b) => blkRecord(magic, b.bytes)));
  const scan = (pool?: BufferPool) => {
    const s = new RecordScanner(pool ? { alloc: (n) => pool.take(n) } : {});
    const blocks: Uint8Array[] = [];
    const emit = (e: ScanEvent) => {
      if (e.kind !== "block") return;
      blocks.push(e.bytes.slice()); // a copy: the buffer goes back to the pool at once
      assertEquals(e.bytes.byteOffset, 0);
      pool?.give(e.bytes);
    };
    for (let at = 0; at < file.length; at += 300_000) s.push(file.subarray(at, at + 300_000), emit);
    s.finish(emit);
    return blocks;
  };
  const pool = new BufferPool();
  const pooled = scan(pool);
  assertEquals(pooled, scan());
  assertEquals(pooled.length, chain.length);
  // Blocks below the pool's minimum get buffers of their own; the others share a few.
  const small = chain.filter((b) => b.bytes.length < POOL_MIN_BYTES).length;
  const classes = new Set(chain.map((b) => poolClassOf(b.bytes.length))).size;
  assertTrue(chain.length - small > 20, `enough large blocks (${chain.length - small})`);
  assertTrue(pool.allocated <= small + classes, `${pool.allocated} allocated for ${chain.length}`);
});
