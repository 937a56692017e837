/**
 * `deno task get --txid` and `--outpoint`: lookups through the archive's
 * chain index.
 *
 * @module
 */

import { hashFromHex, hashToHex, toHex } from "../lib/bytes/hex.ts";
import { OutpointIndex, VoutOutOfRangeError } from "../lib/index/outpoint_index.ts";
import { TxidIndex } from "../lib/index/txid_index.ts";
import { type Io, UsageError } from "./_common.ts";

function parseTxid(hex: string, flag: string): Uint8Array {
  try {
    return hashFromHex(hex);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

/**
 * Why a txid was not found: the archive has no such transaction, or it has blocks the index does
 * not cover yet (then: how to index them).
 */
function notFound(hex: string, indexed: number, tip: number, how: string): string {
  if (indexed >= tip) {
    return `error: transaction ${hex} is not in the archive (heights up to ${tip}, all indexed)`;
  }
  return `error: transaction ${hex} is not in the index, which covers heights up to ${indexed} ` +
    `of the archive's ${tip}: run \`${how}\` to index the rest`;
}

/** The command that extends the index of `archive`. */
function indexCommand(archive: string, indexDir?: string): string {
  return `deno task index --archive ${archive}` + (indexDir ? ` --index-dir ${indexDir}` : "");
}

/** Opens an index, or prints how to build it (null). */
async function openIndex<T>(open: () => Promise<T>, io: Io): Promise<T | null> {
  try {
    return await open();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    io.err(`error: ${(e as Error).message}`);
    return null;
  }
}

/** `--txid`: the transaction, found through the txid index. */
export async function getTx(
  archive: string,
  hex: string,
  format: string,
  io: Io,
  indexDir?: string,
): Promise<number> {
  const txid = parseTxid(hex, "--txid");
  const index = await openIndex(() => TxidIndex.open(archive, { indexDir, blooms: false }), io);
  if (!index) return 1;
  try {
    const found = await index.find(txid);
    if (!found) {
      io.err(notFound(hex, index.height, index.reader.tipHeight, indexCommand(archive, indexDir)));
      return 1;
    }
    if (format === "raw") {
      Deno.stdout.writeSync(found.tx);
      return 0;
    }
    if (format === "hex") {
      io.out(toHex(found.tx));
      return 0;
    }
    const i = found.at.index;
    io.out(JSON.stringify(
      {
        txid: hex.toLowerCase(),
        height: found.at.height,
        block: hashToHex((await index.reader.record(found.at.height)).hash),
        index: i,
        size: found.tx.length,
        inputs: found.inputs,
        outputs: found.outputs,
        hex: toHex(found.tx),
      },
      null,
      2,
    ));
    return 0;
  } finally {
    index.close();
  }
}

/** `--outpoint TXID:VOUT`: the output and its spender, as JSON. */
export async function getOutpoint(
  archive: string,
  text: string,
  io: Io,
  indexDir?: string,
): Promise<number> {
  const m = /^([0-9a-fA-F]{64}):(\d{1,10})$/.exec(text);
  if (!m || Number(m[2]) > 0xffffffff) {
    throw new UsageError(
      `--outpoint: "${text}" is not TXID:VOUT (64 hex digits, a colon, a number)`,
    );
  }
  const txid = parseTxid(m[1]!, "--outpoint");
  const index = await openIndex(() => OutpointIndex.open(archive, { indexDir, blooms: false }), io);
  if (!index) return 1;
  try {
    const info = await index.find(txid, Number(m[2]));
    const indexed = index.txids.height, tip = index.txids.reader.tipHeight;
    if (!info) {
      io.err(notFound(m[1]!, indexed, tip, indexCommand(archive, indexDir)));
      return 1;
    }
    io.out(JSON.stringify(info, null, 2));
    if (!info.spent && indexed < tip) {
      io.err(
        `note: unspent as of height ${indexed}; the archive's blocks ${indexed + 1}..${tip} ` +
          `are not indexed yet (run \`${indexCommand(archive, indexDir)}\`)`,
      );
    }
    return 0;
  } catch (e) {
    if (!(e instanceof VoutOutOfRangeError)) throw e;
    io.err(`error: ${e.message}`);
    return 1;
  } finally {
    index.close();
  }
}
