/**
 * `deno task get`: one block by height or hash, by random access (one
 * frame decompressed).
 *
 * @module
 */

import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { hashFromHex, hashToHex, toHex } from "../lib/bytes/hex.ts";
import { BlockLayout } from "../lib/bitcoin/block_layout.ts";
import { parseHeader } from "../lib/bitcoin/header.ts";
import { computeTxids } from "../lib/bitcoin/txid.ts";
import { getOutpoint, getTx } from "./get_indexed.ts";
import { consoleIo, intFlag, type Io, parse, runCommand, UsageError } from "./_common.ts";

const USAGE =
  `usage: deno task get --archive DIR (--height H | --hash HEX | --txid HEX | --outpoint TXID:VOUT)
       [--format F]

  --archive DIR   the archive
  --height H      block height
  --hash HEX      block hash (display hex)
  --txid HEX      a transaction (display hex; needs \`deno task index\` first)
  --outpoint TXID:VOUT  an output and its spender, as JSON (needs the index too)
  --index-dir DIR the chain index, when it is not in the archive's directory (an s3:// archive)
  --format F      json: header and transaction summary (default); hex: the block as hex;
                  raw: the block's bytes on stdout`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      archive: { type: "string" },
      height: { type: "string" },
      hash: { type: "string" },
      txid: { type: "string" },
      outpoint: { type: "string" },
      "index-dir": { type: "string" },
      format: { type: "string" },
    });
    if (!values.archive) throw new UsageError("--archive is required");
    const given = [values.height, values.hash, values.txid, values.outpoint]
      .filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new UsageError("give exactly one of --height, --hash, --txid and --outpoint");
    }
    const format = values.format ?? "json";
    if (!["json", "hex", "raw"].includes(format)) {
      throw new UsageError("--format must be json, hex or raw");
    }
    const indexDir = values["index-dir"];
    if (values.txid !== undefined) {
      return await getTx(values.archive, values.txid, format, io, indexDir);
    }
    if (values.outpoint !== undefined) {
      return await getOutpoint(values.archive, values.outpoint, io, indexDir);
    }
    const reader = await ArchiveReader.open(values.archive);
    try {
      let height: number;
      if (values.hash !== undefined) {
        let hash: Uint8Array;
        try {
          hash = hashFromHex(values.hash);
        } catch (e) {
          throw new UsageError(`--hash: ${(e as Error).message}`);
        }
        height = await reader.findHeight(hash);
        if (height < 0) {
          io.err(`error: block ${values.hash} is not in the archive`);
          return 1;
        }
      } else height = intFlag(values.height, "height", 0);
      if (height < reader.startHeight || height > reader.tipHeight) {
        io.err(
          `error: height ${height} is not in the archive (${reader.startHeight}..${reader.tipHeight})`,
        );
        return 1;
      }
      const block = await reader.readBlock(height);
      if (format === "raw") {
        Deno.stdout.writeSync(block);
        return 0;
      }
      if (format === "hex") {
        io.out(toHex(block));
        return 0;
      }
      const layout = new BlockLayout().parse(block);
      const txids = computeTxids(layout);
      const h = parseHeader(block);
      const r = await reader.record(height);
      io.out(JSON.stringify(
        {
          height,
          hash: hashToHex(r.hash),
          version: h.version,
          prev: hashToHex(h.prevHash),
          merkleRoot: hashToHex(h.merkleRoot),
          time: h.time,
          bits: h.bits.toString(16).padStart(8, "0"),
          nonce: h.nonce,
          size: block.length,
          strippedSize: layout.strippedSize(),
          weight: layout.weight(),
          txCount: layout.txCount,
          inputs: layout.inputCount,
          outputs: layout.outputCount,
          location: { chunk: r.chunk, frame: r.frame, offset: r.offset },
          txids: Array.from(
            { length: layout.txCount },
            (_, i) => hashToHex(txids.subarray(32 * i, 32 * i + 32)),
          ),
        },
        null,
        2,
      ));
      return 0;
    } finally {
      reader.close();
    }
  }, io);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
