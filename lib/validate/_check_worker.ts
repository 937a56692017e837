/**
 * Worker side of the validation pool: runs {@link BlockChecker} (the whole
 * check, or its height-independent precheck) on blocks transferred in (zero
 * copy) and transfers them back with the result.
 *
 * @module
 */

/// <reference lib="deno.worker" />

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
}

let checker: BlockChecker | undefined;

self.onmessage = (e: MessageEvent<CheckRequest>) => {
  const m = e.data;
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
