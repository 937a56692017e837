/**
 * Worker side of the validation pool: runs {@link BlockChecker} on blocks
 * transferred in (zero copy) and transfers them back with the result.
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
  height: number;
  hash: Uint8Array;
  bytes: Uint8Array;
}

let checker: BlockChecker | undefined;

self.onmessage = (e: MessageEvent<CheckRequest>) => {
  const m = e.data;
  if (!checker || checker.network.name !== m.network) {
    checker = new BlockChecker(networkByName(m.network));
  }
  let failure = null;
  let error: string | null = null;
  try {
    failure = checker.check(m.bytes, m.hash, m.height, m.level);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err);
  }
  self.postMessage({ id: m.id, bytes: m.bytes, failure, error }, [m.bytes.buffer as ArrayBuffer]);
};
