/**
 * zstd compression on a pool of Workers (native zstd from node:zlib; one
 * call per frame, buffers transferred). The workers are created from
 * in-memory code, so they need no file-read permission.
 *
 * @module
 */

import { type PoolReply, RequestPool, transferable } from "../workers/request_pool.ts";
import { zstdFrameInfo } from "./zstd_frame.ts";

const WORKER_SOURCE = `
import { constants, zstdCompressSync } from "node:zlib";
self.onmessage = (e) => {
  const { id, raw, level } = e.data;
  try {
    const out = zstdCompressSync(raw, {
      params: {
        [constants.ZSTD_c_compressionLevel]: level,
        [constants.ZSTD_c_checksumFlag]: 1,
        [constants.ZSTD_c_contentSizeFlag]: 1,
      },
      pledgedSrcSize: raw.length,
    });
    const copy = new Uint8Array(out.byteLength);
    copy.set(out);
    self.postMessage({ id, raw, compressed: copy }, [raw.buffer, copy.buffer]);
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

interface Reply extends PoolReply {
  raw: Uint8Array;
  compressed?: Uint8Array;
}

/** Round-robin pool of zstd workers. */
export class CompressPool {
  private readonly pool: RequestPool<Reply>;
  private readonly url: string;

  constructor(size: number, readonly level: number) {
    this.url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    this.pool = new RequestPool<Reply>(this.url, size, "zstd compression");
  }

  /** Compresses `raw` (transferred; use the returned `raw`) into one zstd frame. */
  async compress(raw: Uint8Array): Promise<CompressedFrame> {
    const owned = transferable(raw);
    const r = await this.pool.request({ raw: owned, level: this.level }, [
      owned.buffer as ArrayBuffer,
    ]);
    const out = r.compressed!;
    // zstdCompressSync may append an empty frame: keep exactly the first one.
    const info = zstdFrameInfo(out, 0);
    if (info.checksum === undefined) throw new Error("zstd frame lacks its content checksum");
    return { raw: r.raw, frame: out.subarray(0, info.length), checksum: info.checksum };
  }

  /** Stops the workers. */
  close(): void {
    this.pool.close();
    URL.revokeObjectURL(this.url);
  }
}
