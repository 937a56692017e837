/**
 * What `verify` re-checks beyond the archive format: each block against the
 * consensus rules collect applied (per-block checks and the header chain),
 * and collect's resume point against the archive's tip.
 *
 * @module
 */

import { headerOf } from "../bitcoin/header.ts";
import { NETWORKS } from "../bitcoin/network.ts";
import type { ArchiveManifest } from "../archive/manifest.ts";
import type { BlockCheck } from "../archive/verify_archive.ts";
import { BlockChecker, type CheckLevel } from "../validate/check_block.ts";
import { HeaderChain } from "../validate/header_chain.ts";
import { isPipelineSnapshot } from "./pipeline_snapshot.ts";

/** A {@link BlockCheck} re-validating every block at `level` (blocks come in height order). */
export function consensusBlockCheck(level: CheckLevel): (m: ArchiveManifest) => BlockCheck {
  return (m) => {
    const network = NETWORKS[m.network];
    const checker = new BlockChecker(network);
    const headers = new HeaderChain(network);
    return {
      check(block, hash, height) {
        const header = headerOf(block);
        const failure = checker.check(block, hash, height, level) ??
          (level === "framing" ? null : headers.check(header, height));
        // After a gap (an unreadable frame) the header window starts again.
        if (headers.tipHeight < 0 || headers.tipHeight === height - 1) {
          headers.accept(header, hash, height);
        }
        return failure;
      },
    };
  };
}

/** Judges collect's resume point: it must continue right after the archive's tip. */
export function checkCollectPipeline(pipeline: unknown, tip: number): string | null {
  if (!isPipelineSnapshot(pipeline)) {
    return "the resume record's pipeline snapshot is not collect's";
  }
  return pipeline.nextHeight === tip + 1
    ? null
    : `resume point is height ${pipeline.nextHeight}, archive tip ${tip}`;
}
