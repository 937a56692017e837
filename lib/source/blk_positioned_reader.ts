/**
 * Positioned reads of single block records (pread: safe to interleave with
 * the sequential reader), used to fetch blocks that arrived before their
 * parent once the parent is known.
 *
 * @module
 */

import { closeSync, openSync } from "node:fs";
import { readRecordLength, RECORD_HEADER_SIZE } from "../bitcoin/blk_record.ts";
import { preadExact } from "../store/pread.ts";
import { blkFileName } from "./blk_files.ts";
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

  /** The block of the record at `offset` in blk file `file`. */
  readBlock(file: number, offset: number): Uint8Array {
    const fd = this.fd(file);
    const path = `${this.dir}/${blkFileName(file)}`;
    preadExact(fd, this.header, offset, path);
    if (this.xorKey) applyXor(this.header, this.xorKey, offset);
    const block = new Uint8Array(readRecordLength(this.header, 0));
    preadExact(fd, block, offset + RECORD_HEADER_SIZE, path);
    if (this.xorKey) applyXor(block, this.xorKey, offset + RECORD_HEADER_SIZE);
    return block;
  }

  /** Closes every open file. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
