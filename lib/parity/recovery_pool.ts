/**
 * Runs recovery kernels on worker threads. The workers are made from the
 * kernel's own source text (`Function.prototype.toString` of the compiled
 * functions) in an in-memory module: no file-read permission on blkpipe's
 * code is needed, only on the files being protected (workers inherit the
 * process's permissions).
 *
 * @module
 */

import { type PoolReply, RequestPool } from "../workers/request_pool.ts";
import { mulAdd, mulTablesWith } from "./gf16_mac.ts";
import { nibbleTables, simdInstance, simdMulAdd } from "./_gf16_simd_kernel.ts";
import { computeRecoveryRange, type RecoveryJob } from "./recovery_kernel.ts";

const SOURCE = `
import { closeSync, openSync, readSync, writeSync } from "node:fs";
const fs = { closeSync, openSync, readSync, writeSync };
${mulAdd.toString()}
${mulTablesWith.toString()}
${nibbleTables.toString()}
${simdMulAdd.toString()}
${simdInstance.toString()}
${computeRecoveryRange.toString()}
self.onmessage = (e) => {
  const { id, job } = e.data;
  try {
    computeRecoveryRange(job, fs);
    self.postMessage({ id });
  } catch (err) {
    self.postMessage({ id, error: String((err && err.stack) || err) });
  }
};
`;

/** A pool of recovery workers. */
export class RecoveryPool {
  private readonly pool: RequestPool<PoolReply>;
  private readonly url: string;

  constructor(readonly size: number) {
    this.url = URL.createObjectURL(new Blob([SOURCE], { type: "application/javascript" }));
    this.pool = new RequestPool<PoolReply>(this.url, size, "PAR2 recovery");
  }

  /** Runs one job on the next worker. */
  async run(job: RecoveryJob): Promise<void> {
    await this.pool.request({ job }, []);
  }

  /** Stops the workers. */
  close(): void {
    this.pool.close();
    URL.revokeObjectURL(this.url);
  }
}
