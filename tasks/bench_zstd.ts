/**
 * `deno task bench:zstd`: where Deno's native zstd (node:zlib) stands
 * against the zstd CLI at level 3 on one core, on the same blk bytes: frame
 * size, the content checksum, the pledged size, one-shot vs streaming, and
 * blkpipe's compressor (one zstd context kept for all frames).
 * Uses the bench:collect chain when present (else generates 256 MiB).
 *
 * @module
 */

import * as zlib from "node:zlib";
import { constants, zstdCompressSync } from "node:zlib";
import { frameCompressorWith } from "../lib/archive/zstd_compress_sync.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { listBlkFiles } from "../lib/source/blk_files.ts";

const root = new URL("../.tmp/bench-collect/blocks-1g", import.meta.url).pathname;
let dir = root;
try {
  Deno.statSync(`${root}/.complete`);
} catch {
  dir = new URL("../.tmp/bench-zstd/blocks", import.meta.url).pathname;
  try {
    Deno.statSync(`${dir}/blk00000.dat`);
  } catch {
    writeBlocksDir(dir, generateChain({ seed: 9, blocks: 330, targetBlockSize: 1_000_000 }), {
      seed: 9,
    });
  }
}
const files = listBlkFiles(dir);
const LIMIT = 256 << 20;
const data = new Uint8Array(Math.min(LIMIT, files.reduce((n, f) => n + f.size, 0)));
for (let at = 0, i = 0; at < data.length; i++) {
  const b = Deno.readFileSync(files[i]!.path);
  data.set(b.subarray(0, data.length - at), at);
  at += b.length;
}
const sample = `${dir}/../zstd-sample.bin`;
Deno.writeFileSync(sample, data);
const mb = data.length / 1e6;

function deno(frame: number, params: Record<number, number>, pledged: boolean): [number, number] {
  const t = performance.now();
  let out = 0;
  for (let at = 0; at < data.length; at += frame) {
    const piece = data.subarray(at, Math.min(data.length, at + frame));
    const opts = { params, ...(pledged ? { pledgedSrcSize: piece.length } : {}) };
    out += zstdCompressSync(piece, opts).length;
  }
  return [(performance.now() - t) / 1000, out];
}

/** blkpipe's frame compressor: one context for all frames. */
function kept(frame: number): [number, number] {
  const compress = frameCompressorWith(zlib, 3);
  const t = performance.now();
  let out = 0;
  for (let at = 0; at < data.length; at += frame) {
    out += compress(data.subarray(at, Math.min(data.length, at + frame))).length;
  }
  return [(performance.now() - t) / 1000, out];
}

function cli(args: string[]): [number, number] {
  const t = performance.now();
  const r = new Deno.Command("zstd", { args: [...args, "-c", sample], stdout: "piped" })
    .outputSync();
  return [(performance.now() - t) / 1000, r.stdout.length];
}

const row = (label: string, [s, out]: [number, number]) =>
  console.log(
    `  ${label.padEnd(52)} ${(mb / s).toFixed(0).padStart(4)} MB/s  ratio ${
      (data.length / out).toFixed(3)
    }`,
  );
const L3 = constants.ZSTD_c_compressionLevel, CK = constants.ZSTD_c_checksumFlag;
console.log(`${mb.toFixed(0)} MB of blk bytes, level 3, one core\n`);
row("zstd CLI -3 -T1 (one stream)", cli(["-3", "-T1", "-q"]));
row("zstd CLI -3 -T1 --no-check", cli(["-3", "-T1", "-q", "--no-check"]));
for (const frame of [256 << 10, 2 << 20, 8 << 20]) {
  row(
    `node:zlib ${frame >> 10} KiB frames, checksum, pledged size`,
    deno(frame, { [L3]: 3, [CK]: 1 }, true),
  );
}
row("node:zlib 2048 KiB frames, no checksum, pledged size", deno(2 << 20, { [L3]: 3 }, true));
row(
  "node:zlib 2048 KiB frames, checksum, no pledged size",
  deno(2 << 20, { [L3]: 3, [CK]: 1 }, false),
);
row(
  "node:zlib one 256 MB call (as the CLI's one stream)",
  deno(data.length, { [L3]: 3, [CK]: 1 }, true),
);
// Twice each, alternating: the first pass over fresh memory is the slower one on this VM.
for (const pass of ["first", "second"]) {
  row(
    `node:zlib 2048 KiB frames, a call per frame (${pass})`,
    deno(2 << 20, { [L3]: 3, [CK]: 1 }, true),
  );
  row(`blkpipe: 2048 KiB frames, one context kept (${pass})`, kept(2 << 20));
}
Deno.removeSync(sample);
