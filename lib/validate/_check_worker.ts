/**
 * Worker side of the validation pool: runs {@link BlockChecker} (the whole
 * check, or its height-independent precheck) on blocks transferred in (zero
 * copy) and transfers them back with the result. The same workers also
 * compress archive frames (collect's one pool of threads).
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { compressFrameSync } from "../archive/zstd_compress_sync.ts";
import { networkByName } from "../bitcoin/network.ts";
import { BlockChecker, type CheckLevel } from "./check_block.ts";

/** Message to the worker. */
export interface CheckRequest {
  id: number;
  network: string;
  level: CheckLevel;
  /** Only the height-independent part ({@link BlockChecker.precheck}): no hash or height. */
  precheck?: boolean;
  height?: number;
  hash?: Uint8Array;
  bytes: Uint8Array;
  /** Compress `bytes` into one zstd frame at this level instead of checking it. */
  compress?: number;
}

let checker: BlockChecker | undefined;

self.onmessage = (e: MessageEvent<CheckRequest>) => {
  const m = e.data;
  if (m.compress !== undefined) return compress(m);
  if (!checker || checker.network.name !== m.network) {
    checker = new BlockChecker(networkByName(m.network));
  }
  let failure = null, pre = null;
  let error: string | null = null;
  try {
    if (m.precheck) pre = checker.precheck(m.bytes, m.level);
    else failure = checker.check(m.bytes, m.hash!, m.height!, m.level);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err);
  }
  self.postMessage({ id: m.id, bytes: m.bytes, failure, pre, error }, [
    m.bytes.buffer as ArrayBuffer,
  ]);
};

function compress(m: CheckRequest): void {
  const transfer = [m.bytes.buffer as ArrayBuffer];
  try {
    const compressed = compressFrameSync(m.bytes, m.compress!);
    transfer.push(compressed.buffer as ArrayBuffer);
    self.postMessage({ id: m.id, bytes: m.bytes, compressed }, transfer);
  } catch (err) {
    self.postMessage({ id: m.id, bytes: m.bytes, error: String(err) }, transfer);
  }
}
