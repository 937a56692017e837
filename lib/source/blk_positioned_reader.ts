/**
 * Positioned reads of single block records (pread: safe to interleave with
 * the sequential reader), used to fetch blocks that arrived before their
 * parent once the parent is known.
 *
 * @module
 */

import { closeSync, openSync, readSync } from "node:fs";
import { CorruptDataError } from "../bytes/errors.ts";
import { blkFileName } from "./blk_files.ts";
import { RECORD_HEADER_SIZE } from "./record_scanner.ts";
import { applyXor } from "./xor.ts";

/** Reads block records by (file, offset) from one blocks directory. */
export class BlkPositionedReader {
  private readonly fds = new Map<number, number>();
  private readonly header = new Uint8Array(RECORD_HEADER_SIZE);

  constructor(readonly dir: string, readonly xorKey?: Uint8Array) {}

  private fd(file: number): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = openSync(`${this.dir}/${blkFileName(file)}`, "r");
      this.fds.set(file, fd);
    }
    return fd;
  }

  private readFully(fd: number, buf: Uint8Array, position: number, file: number): void {
    let done = 0;
    while (done < buf.length) {
      const n = readSync(fd, buf, done, buf.length - done, position + done);
      if (n === 0) {
        throw new CorruptDataError("truncated", "file shrank since it was scanned", {
          file: `${this.dir}/${blkFileName(file)}`,
          offset: position + done,
          field: "record",
        });
      }
      done += n;
    }
  }

  /** The block of the record at `offset` in blk file `file`. */
  readBlock(file: number, offset: number): Uint8Array {
    const fd = this.fd(file);
    this.readFully(fd, this.header, offset, file);
    if (this.xorKey) applyXor(this.header, this.xorKey, offset);
    const len = new DataView(this.header.buffer).getUint32(4, true);
    const block = new Uint8Array(len);
    this.readFully(fd, block, offset + RECORD_HEADER_SIZE, file);
    if (this.xorKey) applyXor(block, this.xorKey, offset + RECORD_HEADER_SIZE);
    return block;
  }

  /** Closes every open file. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
