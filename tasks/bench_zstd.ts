/**
 * `deno task bench:zstd`: where Deno's native zstd (node:zlib) stands
 * against the zstd CLI at level 3 on one core, on the same bytes: frame
 * size, the content checksum, the pledged size, one-shot vs streaming,
 * blkpipe's compressor (one zstd context kept for all frames, at the
 * archive's level 3: zstd's fast strategy, `archiveZstdParams`), the CLI with
 * those parameters, and what smaller match tables (hashLog, chainLog) or
 * level 2 would buy in 2 MiB frames. Two samples: the bench:collect chain's
 * blk bytes (else a generated 256 MiB) and the corpus' modern mainnet blocks as blk records
 * (skipped with a message when ../shared/data/real is absent; an error with
 * BLKPIPE_REQUIRE_REAL_DATA=1). Every figure is the best of `rounds` passes.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { constants as C, zstdCompressSync } from "node:zlib";
import { frameCompressorWith } from "../lib/archive/zstd_compress_sync.ts";
import { encodeRecord } from "../lib/bitcoin/blk_record.ts";
import { NETWORKS } from "../lib/bitcoin/network.ts";
import { concatBytes } from "../lib/bytes/concat.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { listBlkFiles } from "../lib/source/blk_files.ts";
import { realMainnetBlocks } from "../tests/_support/real_data.ts";

type Timed = [seconds: number, outBytes: number];

function generatedSample(): Uint8Array {
  const bench = new URL("../.tmp/bench-collect/", import.meta.url).pathname;
  let dir = [`${bench}blocks-1g`, `${bench}blocks-5g`].find((d) => {
    try {
      return Deno.statSync(`${d}/.complete`).isFile;
    } catch {
      return false;
    }
  });
  if (!dir) {
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
  const data = new Uint8Array(Math.min(256 << 20, files.reduce((n, f) => n + f.size, 0)));
  for (let at = 0, i = 0; at < data.length; i++) {
    const b = Deno.readFileSync(files[i]!.path);
    data.set(b.subarray(0, data.length - at), at);
    at += b.length;
  }
  return data;
}

/** The corpus' distinct mainnet blocks from height 400,000 as blk records, or null. */
function realSample(): Uint8Array | null {
  let blocks;
  try {
    blocks = realMainnetBlocks();
  } catch (e) {
    if (Deno.env.get("BLKPIPE_REQUIRE_REAL_DATA") === "1") throw e;
    console.log(`real mainnet sample skipped: ../shared/data/real not readable (${e})`);
    return null;
  }
  const modern = blocks.filter((b) => b.entry.height >= 400_000);
  return concatBytes(modern.map((b) => encodeRecord(NETWORKS.mainnet.magic, b.bytes)));
}

function best(rounds: number, run: () => Timed): Timed {
  let out: Timed = [Infinity, 0];
  for (let r = 0; r < rounds; r++) {
    const t = run();
    out = [Math.min(out[0], t[0]), t[1]];
  }
  return out;
}

function section(title: string, data: Uint8Array, rounds: number): void {
  const mb = data.length / 1e6;
  const sample = Deno.makeTempFileSync({ prefix: "blkpipe-zstd-sample-" });
  Deno.writeFileSync(sample, data);
  const framed = (frame: number, params: Record<number, number>, pledged = true): Timed => {
    const t = performance.now();
    let out = 0;
    for (let at = 0; at < data.length; at += frame) {
      const piece = data.subarray(at, Math.min(data.length, at + frame));
      const opts = { params, ...(pledged ? { pledgedSrcSize: piece.length } : {}) };
      out += zstdCompressSync(piece, opts).length;
    }
    return [(performance.now() - t) / 1000, out];
  };
  const kept = (frame: number): Timed => {
    const compress = frameCompressorWith(zlib, 3);
    const t = performance.now();
    let out = 0;
    for (let at = 0; at < data.length; at += frame) {
      out += compress(data.subarray(at, Math.min(data.length, at + frame))).length;
    }
    return [(performance.now() - t) / 1000, out];
  };
  const cli = (args: string[]): Timed => {
    const t = performance.now();
    const r = new Deno.Command("zstd", { args: [...args, "-c", sample], stdout: "piped" })
      .outputSync();
    return [(performance.now() - t) / 1000, r.stdout.length];
  };
  let reference = 0;
  const row = (label: string, run: () => Timed) => {
    const [s, out] = best(rounds, run);
    reference ||= mb / s;
    console.log(
      `  ${label.padEnd(56)} ${(mb / s).toFixed(0).padStart(4)} MB/s ${
        (mb / s / reference).toFixed(2)
      }×  ratio ${(data.length / out).toFixed(3)}`,
    );
  };
  const L3 = { [C.ZSTD_c_compressionLevel]: 3, [C.ZSTD_c_checksumFlag]: 1 };
  console.log(`\n${title}: ${mb.toFixed(0)} MB, one core, best of ${rounds}`);
  framed(2 << 20, L3); // untimed: the first pass over fresh memory is the slow one on this VM
  try {
    row("zstd CLI -3 -T1 (one stream; the reference)", () => cli(["-3", "-T1", "-q"]));
    row("zstd CLI -3 -T1 --no-check", () => cli(["-3", "-T1", "-q", "--no-check"]));
    for (const frame of [256 << 10, 2 << 20, 8 << 20]) {
      row(`node:zlib ${frame >> 10} KiB frames, checksum, pledged size`, () => framed(frame, L3));
    }
    row(
      "node:zlib 2048 KiB frames, no checksum",
      () => framed(2 << 20, { ...L3, [C.ZSTD_c_checksumFlag]: 0 }),
    );
    row("node:zlib 2048 KiB frames, no pledged size", () => framed(2 << 20, L3, false));
    row("node:zlib one call for the whole sample", () => framed(data.length, L3));
    row("blkpipe: 2048 KiB frames, one context kept (the archive)", () => kept(2 << 20));
    // What the archive's level 3 is (archiveZstdParams), through the CLI: the same parameters.
    row(
      "zstd CLI -3 --zstd=strategy=1,hlog=17,mml=4,tlen=2 -T1",
      () => cli(["-3", "--zstd=strategy=1,hlog=17,mml=4,tlen=2", "-T1", "-q"]),
    );
    const tables: Array<[number, number]> = [[16, 16], [16, 15], [15, 14]];
    for (const [hash, chain] of tables) {
      row(
        `node:zlib 2048 KiB frames, hashLog ${hash}, chainLog ${chain}`,
        () => framed(2 << 20, { ...L3, [C.ZSTD_c_hashLog]: hash, [C.ZSTD_c_chainLog]: chain }),
      );
    }
    row(
      "node:zlib 2048 KiB frames, level 2",
      () => framed(2 << 20, { ...L3, [C.ZSTD_c_compressionLevel]: 2 }),
    );
    row("zstd CLI -2 -T1", () => cli(["-2", "-T1", "-q"]));
  } finally {
    Deno.removeSync(sample);
  }
}

section("generated chain (blk bytes)", generatedSample(), 2);
const real = realSample();
if (real) section("real mainnet blocks from height 400,000 (blk records)", real, 5);
