/**
 * `deno task demo`: generates a small regtest chain as a Bitcoin Core
 * blocks directory (forks, out-of-order writes, XOR obfuscation, damage),
 * collects it into an archive, verifies the archive, reads a block back,
 * and says what it did.
 *
 * @module
 */

import { OutpointIndex } from "../lib/index/outpoint_index.ts";
import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { verifyCollected } from "../lib/collect/verify_collected.ts";
import { collect } from "../lib/collect/collect.ts";
import { repairArchive } from "../lib/parity/check_archive_parity.ts";
import { hashToHex, toHex } from "../lib/bytes/hex.ts";
import { BlockLayout } from "../lib/bitcoin/block_layout.ts";
import { generateChain } from "../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../lib/gen/blocks_dir_writer.ts";
import { readXorKey } from "../lib/source/blk_files.ts";
import { bytes, count, duration } from "./_format.ts";
import { consoleIo, intFlag, type Io, parse, runCommand } from "./_common.ts";

const USAGE = `usage: deno task demo [--dir DIR] [--blocks N]

  --dir DIR     where to put the generated blocks and the archive (default: a new temp dir)
  --blocks N    chain length (default 400)`;

/** Runs the demo; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      dir: { type: "string" },
      blocks: { type: "string" },
    });
    const dir = values.dir ?? Deno.makeTempDirSync({ prefix: "blkpipe-demo-" });
    const n = intFlag(values.blocks, "blocks", 400);
    const blocksDir = `${dir}/blocks`, archive = `${dir}/archive`;
    const t0 = performance.now();
    io.out(`1. Generating a ${n}-block regtest chain in ${blocksDir}`);
    const s = writeBlocksDir(
      blocksDir,
      generateChain({
        seed: 2024,
        blocks: n,
        targetBlockSize: 150_000,
        forkRate: 0.05,
        orphanRate: 0.02,
      }),
      {
        seed: 2024,
        maxFileSize: 8 << 20,
        shuffleWindow: 16,
        xorKey: Uint8Array.of(0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88),
        damage: { padTo: 1 << 20, garbageRate: 0.01, truncateTail: true },
      },
    );
    io.out(
      `   ${s.files} blk files, ${bytes(s.bytes)}: blocks written out of order (windows of 16), ` +
        `${s.stale.length} stale and ${s.orphans.length} orphan blocks, XOR-obfuscated (xor.dat), ` +
        `zero padding, some garbage, a truncated last record`,
    );
    io.out(`2. Collecting into ${archive} (chunks of 100 blocks, --check utxo: chain-wide rules)`);
    const c = await collect({
      blocks: blocksDir,
      out: archive,
      xorKey: readXorKey(blocksDir),
      chunkPolicy: { blocks: 100 },
      includeTip: true, // a generated chain does not change: archive the unburied tip too
      checkLevel: "utxo", // every input spends an unspent output; txid/outpoint indexes kept
    });
    io.out(
      `   archived heights 0..${c.tip!.height} (${count(c.blocks)} blocks, ${bytes(c.rawBytes)} → ${
        bytes(c.storedBytes)
      }, ` +
        `ratio ${(c.rawBytes / c.storedBytes).toFixed(3)}) in ${duration(c.seconds)}; ` +
        `${c.notArchived} stale/orphan blocks and ${c.skips} damaged ranges listed in rejects.jsonl, ` +
        `${c.pending} blocks still wait for a parent; PAR2 parity: ${
          c.paritySets ?? 0
        } recovery sets`,
    );
    io.out(`3. Verifying the archive`);
    const v = await verifyCollected(archive);
    io.out(
      `   ${
        v.problems.length === 0 ? "OK" : `${v.problems.length} PROBLEMS`
      }: ${v.chunks} chunks, ${v.frames} frames, ` +
        `${v.blocks} blocks re-validated and linked`,
    );
    for (const p of v.problems) io.out(`   PROBLEM ${p.code}: ${p.where}: ${p.detail}`);
    const h = Math.floor(c.tip!.height / 2);
    io.out(`4. Reading block ${h} back (one frame decompressed)`);
    const reader = await ArchiveReader.open(archive);
    const block = await reader.readBlock(h);
    const rec = await reader.record(h);
    reader.close();
    const layout = new BlockLayout().parse(block);
    io.out(
      `   ${hashToHex(rec.hash)}: ${bytes(block.length)}, ${layout.txCount} transactions, ` +
        `chunk ${rec.chunk} frame ${rec.frame}; header ${toHex(block.subarray(0, 16))}…`,
    );
    let outpoint = "";
    if (layout.txCount > 1) {
      const p = layout.inPrevout[layout.txFirstInput[1]!]!;
      const vout = new DataView(block.buffer, block.byteOffset).getUint32(p + 32, true);
      const index = await OutpointIndex.open(archive);
      const o = await index.find(block.slice(p, p + 32), vout);
      index.close();
      outpoint = `${o!.txid}:${vout}`;
      io.out(
        `   its transaction 1 spends ${o!.txid.slice(0, 16)}…:${vout} (${o!.value} sat, ` +
          `created at height ${o!.height}); the outpoint index names the spender at height ` +
          `${o!.spending_height}, input ${o!.spending_vin}`,
      );
    }
    io.out(`5. Damaging chunk 1 (a 64 KiB run zeroed) and repairing it from the PAR2 parity`);
    const chunk = `${archive}/chunks/00001.blk.zst`;
    const good = Deno.readFileSync(chunk);
    Deno.writeFileSync(chunk, good.slice().fill(0, 100, 100 + 65536));
    const repair = await repairArchive(archive);
    const same = Deno.readFileSync(chunk).every((b, i) => b === good[i]);
    io.out(
      `   ${repair.repaired.join(", ") || "nothing"} rebuilt ${same ? "byte-exactly" : "WRONGLY"}` +
        ` from ${repair.before.sets.length} recovery sets (standard PAR2: \`par2 verify\` works too)`,
    );
    io.out(`Done in ${duration((performance.now() - t0) / 1000)}. Try:`);
    io.out(`  deno task get --archive ${archive} --height ${h}`);
    if (outpoint) io.out(`  deno task get --archive ${archive} --outpoint ${outpoint}`);
    io.out(`  deno task verify --archive ${archive}`);
    io.out(`  deno task parity verify --archive ${archive}`);
    io.out(`  par2 verify ${archive}/parity-g00000.par2`);
    io.out(`  zstd -d -c ${archive}/chunks/00000.blk.zst | head -c 300 | xxd`);
    return v.problems.length === 0 && same ? 0 : 1;
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
