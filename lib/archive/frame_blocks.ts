/**
 * `frameBlocks`: the framing stream stage (ordered blocks → frame jobs),
 * a thin wrapper around {@link Framer}.
 *
 * @module
 */

import type { FrameJob } from "./frame_job.ts";
import { type FrameLayout, type FramePosition, Framer, startPosition } from "./framer.ts";

/** A block in height order, as the stage needs it. */
export interface FramedBlock {
  /** Height. */
  height: number;
  /** Block hash, internal byte order. */
  hash: Uint8Array;
  /** Serialized block. */
  bytes: Uint8Array;
}

/**
 * Groups consecutive blocks into frames and chunks. Pass an `ArchiveTarget`
 * (it has `layout` and `position`) to continue an existing archive.
 */
export function frameBlocks(
  options: { layout: FrameLayout; position?: FramePosition },
): TransformStream<FramedBlock, FrameJob> {
  const framer = new Framer(options.layout, options.position ?? startPosition(0));
  return new TransformStream<FramedBlock, FrameJob>({
    transform(b, controller) {
      framer.add(b.bytes, b.hash, b.height);
      if (framer.ready) controller.enqueue(framer.close("", null)!);
    },
    flush(controller) {
      const job = framer.close("", null);
      if (job) controller.enqueue(job);
    },
  });
}
