/**
 * zstd compression on a pool of Workers (native zstd from node:zlib; one
 * call per frame, buffers transferred). The workers are created from
 * in-memory code, so they need no file-read permission.
 *
 * @module
 */

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

interface Reply {
  id: number;
  raw: Uint8Array;
  compressed?: Uint8Array;
  error?: string;
}

/** Round-robin pool of zstd workers. */
export class CompressPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private readonly url: string;

  constructor(size: number, readonly level: number) {
    this.url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(this.url, { type: "module" });
      w.onmessage = (e: MessageEvent<Reply>) => {
        const p = this.waiting.get(e.data.id);
        this.waiting.delete(e.data.id);
        if (!p) return;
        if (e.data.error) p.reject(new Error(`zstd compression failed: ${e.data.error}`));
        else p.resolve(e.data);
      };
      w.onerror = (e) => {
        e.preventDefault();
        const err = new Error(`Compression worker failed: ${e.message}`);
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      };
      this.workers.push(w);
    }
  }

  /** Compresses `raw` (transferred; use the returned `raw`) into one zstd frame. */
  async compress(raw: Uint8Array): Promise<CompressedFrame> {
    const id = this.nextId++;
    const owned = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength
      ? raw
      : raw.slice();
    const reply = new Promise<Reply>((resolve, reject) =>
      this.waiting.set(id, { resolve, reject })
    );
    this.workers[id % this.workers.length]!.postMessage({ id, raw: owned, level: this.level }, [
      owned.buffer as ArrayBuffer,
    ]);
    const r = await reply;
    const out = r.compressed!;
    // zstdCompressSync may append an empty frame: keep exactly the first one.
    const info = zstdFrameInfo(out, 0);
    if (info.checksum === undefined) throw new Error("zstd frame lacks its content checksum");
    return { raw: r.raw, frame: out.subarray(0, info.length), checksum: info.checksum };
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    URL.revokeObjectURL(this.url);
  }
}
