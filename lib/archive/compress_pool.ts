/**
 * zstd compression on a pool of Workers (native zstd from node:zlib; one
 * call per frame, buffers transferred both ways, no copy). The workers are
 * created from in-memory code, so they need no file-read permission.
 *
 * @module
 */

import { type PoolReply, RequestPool, transferable } from "../workers/request_pool.ts";
import { zstdFrameInfo } from "./zstd_frame.ts";
import { archiveZstdParams, frameCompressorWith, joinRecords } from "./zstd_compress_sync.ts";

const WORKER_SOURCE = `
import * as zlib from "node:zlib";
const archiveZstdParams = ${archiveZstdParams.toString()};
const frameCompressorWith = ${frameCompressorWith.toString()};
const joinRecords = ${joinRecords.toString()};
let compress, compressLevel, joined = new Uint8Array(0);
self.onmessage = (e) => {
  const { id, raw, records, magic, level } = e.data;
  const back = records ? [...new Set(records.map((b) => b.buffer))] : [raw.buffer];
  try {
    if (level !== compressLevel) {
      compress = frameCompressorWith(zlib, level);
      compressLevel = level;
    }
    let input = raw;
    if (records) {
      const j = joinRecords(records, magic, joined);
      joined = j.buffer;
      input = joined.subarray(0, j.length);
    }
    const compressed = compress(input);
    self.postMessage({ id, raw, records, rawBytes: input.length, compressed }, [...back, compressed.buffer]);
  } catch (err) {
    self.postMessage({ id, raw, records, error: String(err) }, back);
  }
};
`;

/** A compressed frame. */
export interface CompressedFrame {
  /** The uncompressed bytes (transferred back). */
  raw: Uint8Array;
  /** Exactly one zstd frame. */
  frame: Uint8Array;
  /** The frame's content checksum (low 32 bits of XXH64 of `raw`). */
  checksum: number;
}

/** A frame compressed from its blocks ({@link FrameCompressor.compressBlocks}). */
export interface CompressedBlocks {
  /** The blocks (transferred back). */
  blocks: Uint8Array[];
  /** Exactly one zstd frame of the blocks' records. */
  frame: Uint8Array;
  /** The frame's content checksum. */
  checksum: number;
  /** Uncompressed bytes (the records). */
  rawBytes: number;
}

/** Something that compresses archive frames: a {@link CompressPool}, or workers shared with other work. */
export interface FrameCompressor {
  /**
   * Compresses `raw` (transferred; use the returned `raw`) into one zstd frame. `whole`: the
   * caller gives up all of `raw`'s buffer (a view from offset 0 is transferred, not copied).
   */
  compress(raw: Uint8Array, whole?: boolean): Promise<CompressedFrame>;
  /**
   * Joins `blocks` into blk records (`magic`, length, block) on the worker and compresses them
   * into one zstd frame: the blocks are not copied on the calling thread. Their buffers are
   * transferred whole (each must hold nothing else; use the returned `blocks`).
   */
  compressBlocks?(blocks: Uint8Array[], magic: Uint8Array): Promise<CompressedBlocks>;
}

/** The blocks as sent to a worker, and their buffers (once each) to transfer. */
export function transferableBlocks(
  blocks: Uint8Array[],
): { blocks: Uint8Array[]; buffers: ArrayBuffer[] } {
  const owned = blocks.map((b) => transferable(b, true));
  return { blocks: owned, buffers: [...new Set(owned.map((b) => b.buffer as ArrayBuffer))] };
}

/** A worker's reply as a {@link CompressedFrame}: the first zstd frame of `out`, with its checksum. */
export function compressedFrame(raw: Uint8Array, out: Uint8Array): CompressedFrame {
  // zstdCompressSync may append an empty frame: keep exactly the first one.
  const info = zstdFrameInfo(out, 0);
  if (info.checksum === undefined) throw new Error("zstd frame lacks its content checksum");
  return { raw, frame: out.subarray(0, info.length), checksum: info.checksum };
}

interface Reply extends PoolReply {
  raw: Uint8Array;
  records?: Uint8Array[];
  rawBytes?: number;
  compressed?: Uint8Array;
}

/** Round-robin pool of zstd workers. */
export class CompressPool implements FrameCompressor {
  private readonly pool: RequestPool<Reply>;
  private readonly url: string;

  constructor(size: number, readonly level: number) {
    this.url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    this.pool = new RequestPool<Reply>(this.url, size, "zstd compression");
  }

  /** Compresses `raw` (transferred; use the returned `raw`) into one zstd frame. */
  async compress(raw: Uint8Array, whole = false): Promise<CompressedFrame> {
    const owned = transferable(raw, whole);
    const r = await this.pool.request({ raw: owned, level: this.level }, [
      owned.buffer as ArrayBuffer,
    ]);
    return compressedFrame(r.raw, r.compressed!);
  }

  /** Joins `blocks` into records and compresses them on a worker (see {@link FrameCompressor}). */
  async compressBlocks(blocks: Uint8Array[], magic: Uint8Array): Promise<CompressedBlocks> {
    const sent = transferableBlocks(blocks);
    const r = await this.pool.request(
      { records: sent.blocks, magic, level: this.level },
      sent.buffers,
    );
    const c = compressedFrame(new Uint8Array(0), r.compressed!);
    return { blocks: r.records!, frame: c.frame, checksum: c.checksum, rawBytes: r.rawBytes! };
  }

  /** Stops the workers. */
  close(): void {
    this.pool.close();
    URL.revokeObjectURL(this.url);
  }
}
