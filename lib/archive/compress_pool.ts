/**
 * zstd compression on a pool of Workers (native zstd from node:zlib; one
 * call per frame, buffers transferred both ways, no copy). The workers are
 * created from in-memory code, so they need no file-read permission.
 *
 * @module
 */

import { type PoolReply, RequestPool, transferable } from "../workers/request_pool.ts";
import { zstdFrameInfo } from "./zstd_frame.ts";
import { frameCompressorWith } from "./zstd_compress_sync.ts";

const WORKER_SOURCE = `
import * as zlib from "node:zlib";
const frameCompressorWith = ${frameCompressorWith.toString()};
let compress, compressLevel;
self.onmessage = (e) => {
  const { id, raw, level } = e.data;
  try {
    if (level !== compressLevel) {
      compress = frameCompressorWith(zlib, level);
      compressLevel = level;
    }
    const compressed = compress(raw);
    self.postMessage({ id, raw, compressed }, [raw.buffer, compressed.buffer]);
  } catch (err) {
    self.postMessage({ id, raw, error: String(err) }, [raw.buffer]);
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

/** Something that compresses archive frames: a {@link CompressPool}, or workers shared with other work. */
export interface FrameCompressor {
  /**
   * Compresses `raw` (transferred; use the returned `raw`) into one zstd frame. `whole`: the
   * caller gives up all of `raw`'s buffer (a view from offset 0 is transferred, not copied).
   */
  compress(raw: Uint8Array, whole?: boolean): Promise<CompressedFrame>;
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

  /** Stops the workers. */
  close(): void {
    this.pool.close();
    URL.revokeObjectURL(this.url);
  }
}
