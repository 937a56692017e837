import * as zlib from "node:zlib";
import { assertEquals, assertTrue } from "../_support/assert.ts";
import {
  frameCompressorWith,
  frameOutputBound,
  frameOutputBuffer,
} from "../../lib/archive/zstd_compress_sync.ts";
import { zstdFrameInfo } from "../../lib/archive/zstd_frame.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { realMainnetBlocks, realTest } from "../_support/real_data.ts";

// Frames of real-looking block bytes, of varied sizes (the last of each much smaller).
const blocks = [...generateChain({ seed: 9, blocks: 60, targetBlockSize: 60_000 })];
const frames: Uint8Array[] = [];
{
  const all = blocks.filter((b) => b.kind === "main").map((b) => b.bytes);
  for (let i = 0; i < all.length; i += 7) {
    const group = all.slice(i, i + 7);
    const raw = new Uint8Array(group.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of group) raw.set(b, (at += b.length) - b.length);
    frames.push(raw);
  }
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

Deno.test("one zstd context for many frames: each frame's bytes are what a fresh context gives", () => {
  assertTrue(frames.length >= 8, `${frames.length} frames`);
  const forward = frameCompressorWith(zlib, 3), backward = frameCompressorWith(zlib, 3);
  const fwd = frames.map((f) => forward(f));
  const bwd = [...frames].reverse().map((f) => backward(f)).reverse();
  frames.forEach((f, i) => {
    const fresh = frameCompressorWith(zlib, 3)(f);
    assertTrue(same(fwd[i]!, fresh) && same(bwd[i]!, fresh), `frame ${i} depends on history`);
    const info = zstdFrameInfo(fwd[i]!, 0);
    assertEquals(info.length, fwd[i]!.length, "exactly one frame");
    assertTrue(info.checksum !== undefined, "content checksum");
    assertTrue(same(new Uint8Array(zlib.zstdDecompressSync(fwd[i]!)), f), `frame ${i} decodes`);
    // Its own buffer, so a worker can transfer it.
    assertEquals(fwd[i]!.buffer.byteLength, fwd[i]!.length);
  });
});

Deno.test("without node:zlib's streaming handle the compressor falls back to one call per frame", () => {
  const noHandle = { ...zlib, createZstdCompress: () => ({}) } as unknown as typeof zlib;
  const compress = frameCompressorWith(noHandle, 3);
  for (const f of frames.slice(0, 3)) {
    const out = compress(f);
    assertTrue(same(new Uint8Array(zlib.zstdDecompressSync(out)), f));
    assertTrue(zstdFrameInfo(out, 0).checksum !== undefined);
    assertTrue(same(out, frameCompressorWith(zlib, 3)(f)), "the same bytes either way");
  }
});

Deno.test("a frame compressed into a spare buffer: the same bytes, a view of it from offset 0", () => {
  const compress = frameCompressorWith(zlib, 3), fresh = frameCompressorWith(zlib, 3);
  const spare = frameOutputBuffer(Math.max(...frames.map((f) => f.length)));
  assertEquals(spare.length % 2 ** 20, 0, "whole MiB");
  for (const f of frames) {
    assertTrue(spare.length >= frameOutputBound(f.length));
    const out = compress(f, spare);
    assertTrue(out.buffer === spare.buffer && out.byteOffset === 0, "written into the spare");
    assertTrue(same(out, fresh(f)), "the same frame as into a buffer of its own");
  }
  // Too small (or not at offset 0): a buffer of its own, the same bytes.
  const f = frames[0]!;
  for (const into of [new Uint8Array(16), spare.subarray(8)]) {
    const out = compress(f, into);
    assertTrue(out.buffer !== spare.buffer && out.buffer.byteLength === out.length);
    assertTrue(same(out, fresh(f)));
  }
});

Deno.test("level 3 frames use the archive's parameters: other bytes than zstd's level 3, as small within 1.5%", () => {
  const level3 = {
    [zlib.constants.ZSTD_c_compressionLevel]: 3,
    [zlib.constants.ZSTD_c_checksumFlag]: 1,
  };
  const compress = frameCompressorWith(zlib, 3), level5 = frameCompressorWith(zlib, 5);
  let ours = 0, zstds = 0, differ = 0;
  for (const f of frames) {
    const a = compress(f), b = new Uint8Array(zlib.zstdCompressSync(f, { params: level3 }));
    assertTrue(same(new Uint8Array(zlib.zstdDecompressSync(a)), f), "decodes");
    ours += a.length;
    zstds += b.length;
    if (!same(a, b)) differ++;
    // Any other level is zstd's own.
    const c = new Uint8Array(
      zlib.zstdCompressSync(f, {
        params: { ...level3, [zlib.constants.ZSTD_c_compressionLevel]: 5 },
      }),
    );
    assertTrue(same(level5(f), c), "level 5 is zstd's level 5");
  }
  assertTrue(
    differ >= frames.length - 1,
    `${differ} of ${frames.length} frames differ from zstd -3's`,
  );
  assertTrue(ours <= zstds * 1.015, `${ours} bytes against zstd -3's ${zstds}`);
});

realTest("level 3 on real mainnet blocks in 2 MiB frames: within 1.5% of zstd -3's size", () => {
  const blocks = realMainnetBlocks().map((b) => b.bytes);
  const all = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  blocks.reduce((at, b) => (all.set(b, at), at + b.length), 0);
  const level3 = { [zlib.constants.ZSTD_c_compressionLevel]: 3 };
  const compress = frameCompressorWith(zlib, 3);
  let ours = 0, zstds = 0;
  for (let at = 0; at < all.length; at += 2 << 20) {
    const f = all.subarray(at, at + (2 << 20));
    ours += compress(f).length;
    zstds += zlib.zstdCompressSync(f, { params: level3 }).length;
  }
  assertTrue(all.length > 10e6, `${all.length} bytes of mainnet blocks`);
  assertTrue(ours > zstds && ours <= zstds * 1.015, `${ours} bytes against zstd -3's ${zstds}`);
});
