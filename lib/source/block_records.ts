/**
 * The block reader stage: enumerates `blk?????.dat` of a blocks directory
 * in numeric order, reads each with large sequential reads, de-obfuscates
 * (XOR), and emits block records as a `ReadableStream`. Skipped byte ranges
 * (padding, garbage, torn or truncated records) go to `onSkip`.
 *
 * @module
 */

import { CorruptDataError } from "../bytes/errors.ts";
import { toHex } from "../bytes/hex.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import { type BlkFile, blkFileName, listBlkFiles } from "./blk_files.ts";
import { RecordScanner, type ScanEvent, type SkipEvent } from "./record_scanner.ts";
import { isNullKey } from "./xor.ts";

/** A block as found in a blk file. */
export interface BlockRecord {
  /** blk file number. */
  file: number;
  /** Offset of the record's magic in the file. */
  offset: number;
  /**
   * The block's bytes (de-obfuscated): a view from offset 0 of a buffer that holds nothing else
   * (it may be longer than the block; transfer it whole).
   */
  bytes: Uint8Array;
}

/** A skipped range, with its file. */
export interface BlockSkip extends SkipEvent {
  /** blk file number. */
  file: number;
}

/** Where reading starts or resumes. */
export interface ReadPosition {
  /** blk file number. */
  file: number;
  /** Byte offset in that file (a record boundary). */
  offset: number;
}

/** Options of {@link readBlockRecords}. */
export interface ReadBlockRecordsOptions {
  /** Expected network (detected from the first magic when absent). */
  network?: NetworkParams;
  /** XOR key (from blocks/xor.dat); undefined or zeros for plain files. */
  xorKey?: Uint8Array | undefined;
  /** Sequential read size in bytes (default 8 MiB). */
  bufferSize?: number;
  /** Start here instead of the first file's first byte. */
  start?: ReadPosition;
  /** Receives every skipped range. */
  onSkip?: (skip: BlockSkip) => void;
  /** Receives the network once detected. */
  onNetwork?: (network: NetworkParams) => void;
  /** Called after each file is finished, with the position after it. */
  onFileDone?: (file: BlkFile) => void;
  /** Where blocks are copied (e.g. `BufferPool.take`; default: a new buffer per block). */
  alloc?: ((n: number) => Uint8Array) | undefined;
}

/** A record or a skipped range, in file order. */
export type BlockEvent = (BlockRecord & { kind: "block" }) | BlockSkip;

/**
 * Streams the block records of `dir`; skipped ranges go to `onSkip`.
 *
 * @example
 * ```ts ignore
 * for await (const r of readBlockRecords("/home/me/.bitcoin/blocks")) console.log(r.file, r.offset);
 * ```
 */
export function readBlockRecords(
  dir: string,
  options: ReadBlockRecordsOptions = {},
): ReadableStream<BlockRecord> {
  return readBlockEvents(dir, options).pipeThrough(
    new TransformStream<BlockEvent, BlockRecord>({
      transform(e, controller) {
        if (e.kind === "block") {
          controller.enqueue({ file: e.file, offset: e.offset, bytes: e.bytes });
        } else options.onSkip?.(e);
      },
    }),
  );
}

/**
 * Streams records and skipped ranges of `dir` in file order (so a consumer
 * can attribute skips deterministically; `onSkip` is not called).
 */
export function readBlockEvents(
  dir: string,
  options: ReadBlockRecordsOptions = {},
): ReadableStream<BlockEvent> {
  const files = listBlkFiles(dir).filter((f) => !options.start || f.number >= options.start.file);
  const bufferSize = options.bufferSize ?? 8 << 20;
  // Two buffers: the next read is in flight (off the main thread) while one is scanned.
  const bufs = [new Uint8Array(bufferSize), new Uint8Array(bufferSize)];
  let cur = 0;
  let inflight: Promise<number | null> | undefined;
  let network = options.network;
  let index = -1;
  let file: Deno.FsFile | undefined;
  let position = 0;
  let scanner: RecordScanner | undefined;
  let sawContent = false;
  // Wrong-key detection looks at the first file with content, from its beginning only.
  let checkedFirstContent = options.start !== undefined && options.start.offset > 0;

  const openNext = (): boolean => {
    index++;
    if (index >= files.length) return false;
    const f = files[index]!;
    position = options.start && f.number === options.start.file ? options.start.offset : 0;
    file = Deno.openSync(f.path, { read: true });
    file.seekSync(position, Deno.SeekMode.Start);
    inflight = file.read(bufs[cur]!);
    const opts: ConstructorParameters<typeof RecordScanner>[0] = {
      startOffset: position,
      fileName: f.path,
    };
    if (network) opts.network = network;
    if (options.xorKey) opts.xorKey = options.xorKey;
    if (options.alloc) opts.alloc = options.alloc;
    scanner = new RecordScanner(opts);
    sawContent = false;
    return true;
  };

  const closeCurrent = () => {
    inflight?.catch(() => {}); // a read still in flight fails harmlessly once the file closes
    file?.close();
    file = undefined;
    inflight = undefined;
  };

  return new ReadableStream<BlockEvent>({
    async pull(controller) {
      let delivered = 0;
      const fileNumber = () => files[index]!.number;
      const emit = (e: ScanEvent) => {
        if (e.kind === "block") {
          controller.enqueue({
            kind: "block",
            file: fileNumber(),
            offset: e.offset,
            bytes: e.bytes,
          });
        } else {
          if (e.reason !== "padding") sawContent = true;
          controller.enqueue({ ...e, file: fileNumber() });
        }
        delivered++;
      };
      try {
        while (delivered === 0) {
          if (!scanner) {
            if (!openNext()) {
              controller.close();
              return;
            }
          }
          const n = (await inflight!) ?? 0;
          const data = bufs[cur]!;
          if (n > 0) {
            position += n;
            cur ^= 1;
            inflight = file!.read(bufs[cur]!);
            scanner!.push(data.subarray(0, n), emit);
          } else {
            scanner!.finish(emit);
            closeCurrent();
            const s = scanner!;
            if (s.network && !network) {
              network = s.network;
              options.onNetwork?.(network);
            }
            if (!checkedFirstContent && (s.records > 0 || sawContent)) {
              checkedFirstContent = true;
              if (s.records === 0) throw noRecordsError(files[index]!, options.xorKey);
            }
            options.onFileDone?.(files[index]!);
            scanner = undefined;
          }
          if (scanner?.network && !network) {
            network = scanner.network;
            options.onNetwork?.(network);
          }
        }
      } catch (e) {
        closeCurrent();
        throw e;
      }
    },
    cancel() {
      closeCurrent();
    },
  }, { highWaterMark: 16 });
}

function noRecordsError(file: BlkFile, key: Uint8Array | undefined): CorruptDataError {
  const detail = isNullKey(key)
    ? "no block record found; if these files come from Bitcoin Core 28 or later they are " +
      "XOR-obfuscated: keep blocks/xor.dat beside them or pass --xor-key"
    : `no block record found after de-obfuscating with XOR key ${toHex(key!)}: ` +
      "the key does not match these files (check blocks/xor.dat or --xor-key)";
  return new CorruptDataError(isNullKey(key) ? "no-records" : "wrong-xor-key", detail, {
    file: file.path,
    offset: 0,
    field: blkFileName(file.number),
  });
}

/**
 * The network of the first block record in `dir` (reads until one is
 * found), or undefined when there is none.
 */
export async function detectNetwork(
  dir: string,
  xorKey?: Uint8Array,
): Promise<NetworkParams | undefined> {
  let found: NetworkParams | undefined;
  const opts: ReadBlockRecordsOptions = { onNetwork: (n) => found = n, bufferSize: 1 << 20 };
  if (xorKey) opts.xorKey = xorKey;
  const reader = readBlockEvents(dir, opts).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || found || value.kind === "block") break;
    }
  } finally {
    await reader.cancel();
  }
  return found;
}
