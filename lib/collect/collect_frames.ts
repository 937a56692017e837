/**
 * collect's synchronous core as one stream stage: blk events in, frame jobs
 * out. The chain orderer, the validator and the {@link Framer} run in one
 * synchronous step per event, so the pipeline snapshot taken when a
 * resume-point frame closes describes exactly the blocks in and before that
 * frame. The stage also turns skipped ranges and chain reports into
 * rejects.jsonl lines and stops at a frame boundary on request.
 *
 * @module
 */

import { hashToHex } from "../bytes/hex.ts";
import { recordSize } from "../bitcoin/blk_record.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import { ArchiveError } from "../archive/manifest.ts";
import type { FrameJob } from "../archive/frame_job.ts";
import { type FrameLayout, type FramePosition, Framer } from "../archive/framer.ts";
import { ChainOrderer } from "../chain/chain_orderer.ts";
import type { ChainReport, OrderedBlock } from "../chain/chain_types.ts";
import { blkFileName } from "../source/blk_files.ts";
import { BlockChecker, type BlockPrecheck, type CheckLevel } from "../validate/check_block.ts";
import type { PrecheckedEvent } from "../validate/precheck_stream.ts";
import { HeaderChain } from "../validate/header_chain.ts";
import type { BlockRejection, CheckFailure } from "../validate/reject.ts";
import { SequentialValidator } from "../validate/validate_blocks.ts";
import type { PipelineSnapshot } from "./pipeline_snapshot.ts";

/** Options of {@link CollectCore}. */
export interface CollectCoreOptions {
  network: NetworkParams;
  /** Validation level. */
  level: CheckLevel;
  /** Reorganisation depth. */
  depth: number;
  /** Archive the unburied tip at the end of the input. */
  includeTip: boolean;
  /** Last height to archive. */
  toHeight: number;
  /** Uncompressed bytes between resume points. */
  checkpointBytes: number;
  /** Frame layout and where framing continues. */
  layout: FrameLayout;
  position: FramePosition;
  /** Snapshot to continue from; null to read from the beginning. */
  snapshot: PipelineSnapshot | null;
  /** Without a snapshot, the archive's tip: re-read blocks up to it must match it. */
  tip: { height: number; hash: string } | null;
  /** Reads a block back by position (blocks that came before their parent). */
  fetch: (file: number, offset: number) => Uint8Array;
  /** Number of the newest blk file (a record cut short there may still be written). */
  lastFile: number;
  /** Chain-wide rules (the chain index's connect), run in order after every other check. */
  chainRules?: ((block: OrderedBlock) => CheckFailure | null) | undefined;
  /** Clock for the time-too-new rule (tests). */
  now?: (() => number) | undefined;
  /**
   * Frames carry the blocks themselves (joined into records on the compression workers, then
   * given back through `compressFrames`' `recycleBlocks`) instead of a copy of them. Only when
   * nothing keeps a block's bytes after framing it (no chain index).
   */
  frameBlocks?: boolean | undefined;
}

/** The core: ordering, validation and framing; {@link stream} gives the stage. */
export class CollectCore {
  /** Counters of this run. */
  readonly counts = { rejected: 0, notArchived: 0, skips: 0, readBytes: 0 };
  /** Stopped at a frame boundary on request (SIGINT). */
  interrupted = false;
  private readonly orderer: ChainOrderer;
  private readonly headers: HeaderChain;
  private readonly validator: SequentialValidator;
  private readonly checker: BlockChecker;
  /** Prechecks done on workers, by block buffer (the orderer passes the same buffer on). */
  private readonly prechecks = new WeakMap<Uint8Array, BlockPrecheck>();
  private readonly framer: Framer;
  private readonly reports: string[] = [];
  private readonly tail: string[] = []; // held skips at the end of the newest file
  private readerPos: { file: number; offset: number } | null;
  private tipHash: string | null;
  private sinceCheckpoint = 0;
  private lastCheckpoint: PipelineSnapshot;
  private stopAtFrame = false;
  private stopped = false;
  private out: ((job: FrameJob) => void) | undefined;

  constructor(readonly o: CollectCoreOptions) {
    this.orderer = new ChainOrderer({
      network: o.network,
      depth: o.depth,
      fetch: o.fetch,
      onReport: (r) => this.onReport(r),
    });
    this.headers = new HeaderChain(o.network, o.now);
    const snap = o.snapshot;
    if (snap) {
      this.orderer.restore(snap.orderer);
      this.headers.restore(snap.headers);
    }
    this.validator = new SequentialValidator({
      network: o.network,
      level: o.level,
      headerChain: this.headers,
      rejected: snap?.rejected ?? null,
      onReject: (r) => this.onReject(r),
      chainRules: o.chainRules,
    });
    this.checker = new BlockChecker(o.network);
    this.framer = new Framer(o.layout, o.position, o.frameBlocks ? "blocks" : "reuse");
    this.readerPos = snap?.reader ?? null;
    this.tipHash = snap?.tipHash ?? o.tip?.hash ?? null;
    this.lastCheckpoint = snap ?? this.snapshot();
  }

  /** The snapshot as of now. */
  snapshot(): PipelineSnapshot {
    return {
      nextHeight: this.framer.position.nextHeight,
      tipHash: this.tipHash,
      reader: this.readerPos,
      orderer: this.orderer.snapshot(),
      headers: this.headers.snapshot(),
      rejected: this.validator.firstRejection,
    };
  }

  /** The next height to archive. */
  get nextHeight(): number {
    return this.framer.position.nextHeight;
  }

  /** Blocks still waiting for their parent. */
  get pending(): number {
    return this.orderer.orphanCount;
  }

  /** Gives back a frame's buffer once compressed (its jobs hand their buffers out). */
  recycleFrame(raw: Uint8Array): void {
    this.framer.recycle(raw);
  }

  /** Stop at the next frame boundary (SIGINT). */
  requestStop(): void {
    this.stopAtFrame = true;
  }

  /**
   * The stage: blk events → frame jobs; the last job carries the final resume point. Blocks
   * that come with a precheck (see `precheck_stream.ts`) are only concluded here.
   */
  stream(): TransformStream<PrecheckedEvent, FrameJob> {
    return new TransformStream<PrecheckedEvent, FrameJob>({
      start: (controller) => {
        this.out = (job) => controller.enqueue(job);
        if (this.o.snapshot) this.orderer.resume((b) => this.onBlock(b));
      },
      transform: (e, controller) => {
        if (this.stopped) return;
        this.onEvent(e);
        if (this.stopped) {
          this.finish();
          controller.terminate(); // stops the reader too
        }
      },
      flush: () => this.finish(),
    });
  }

  private onEvent(e: PrecheckedEvent): void {
    if (e.kind === "block") {
      if (e.pre) this.prechecks.set(e.bytes, e.pre);
      if (this.tail.length > 0) {
        this.counts.skips += this.tail.length;
        this.reports.push(...this.tail.splice(0));
      }
      this.counts.readBytes += recordSize(e.bytes.length);
      this.readerPos = { file: e.file, offset: e.offset + recordSize(e.bytes.length) };
      this.orderer.add(e, (b) => this.onBlock(b));
      return;
    }
    this.counts.readBytes += e.length;
    if (e.reason === "padding") return;
    const { reason, offset, length, detail } = e;
    const line = rejectLine({
      kind: "skip",
      reason,
      file: blkFileName(e.file),
      offset,
      length,
      detail,
    });
    // A record cut short in the newest file is most likely still being written: hold it and
    // whatever follows it in that file; a later record proves it was damage after all.
    if (e.file === this.o.lastFile && (reason === "truncated" || this.tail.length > 0)) {
      this.tail.push(line);
      return;
    }
    this.counts.skips++;
    this.readerPos = { file: e.file, offset: offset + length };
    this.reports.push(line);
  }

  private onBlock(b: OrderedBlock): void {
    if (this.stopped || b.height > this.o.toHeight) {
      this.stopped = true;
      return;
    }
    const pre = this.prechecks.get(b.bytes);
    const failure = pre
      ? this.checker.conclude(pre, b.bytes, b.hash, b.height, this.o.level)
      : this.checker.check(b.bytes, b.hash, b.height, this.o.level);
    if (!this.validator.accept({ ...b, failure })) return;
    const next = this.framer.position.nextHeight;
    if (b.height < next) {
      // Validated for context only: below the start height, or already archived (re-read).
      if (this.o.tip && b.height === this.o.tip.height && hashToHex(b.hash) !== this.o.tip.hash) {
        throw new ArchiveError(
          `the archive's block at height ${b.height} is ${this.o.tip.hash}, but the blocks' best ` +
            `chain has ${hashToHex(b.hash)} there: these blocks are not the archive's chain`,
        );
      }
      return;
    }
    this.framer.add(b.bytes, b.hash, b.height);
    this.tipHash = hashToHex(b.hash);
    if (b.height >= this.o.toHeight) this.stopped = true;
    this.closeFrame(this.stopped);
  }

  private closeFrame(force: boolean): void {
    if (!force && !this.framer.ready) return;
    if (this.framer.blocks === 0 && (this.reports.length === 0 || !force)) return;
    const job = this.framer.close(this.reports.splice(0).join(""), (raw, endsChunk) => {
      this.sinceCheckpoint += raw;
      const due = force || endsChunk || this.stopAtFrame ||
        this.sinceCheckpoint >= this.o.checkpointBytes;
      if (!due) return null;
      this.sinceCheckpoint = 0;
      return this.lastCheckpoint = this.snapshot();
    });
    if (job) this.out!(job);
    if (this.stopAtFrame) this.stopped = true;
  }

  /** End of input or stop: flush what is final and emit the final resume point. */
  private finish(): void {
    this.interrupted = this.stopped && this.stopAtFrame;
    // Blocks not yet buried `depth` deep stay pending (a later run archives them once final),
    // unless the caller knows the block set is final.
    if (!this.stopped && this.o.includeTip) {
      this.orderer.flushBest((b) => this.onBlock(b), () => this.stopped);
    }
    if (!this.interrupted) this.closeFrame(true);
    // After a stop the last resume point describes exactly what is archived (blocks emitted
    // after it are not); after a complete run everything emitted is archived.
    const final = this.stopped ? this.lastCheckpoint : this.snapshot();
    const p = this.framer.position;
    this.out!({
      chunk: p.chunk,
      raw: new Uint8Array(0),
      index: new Uint8Array(0),
      blocks: 0,
      firstHeight: p.nextHeight,
      lastHeight: p.nextHeight - 1,
      lastHash: this.tipHash ?? "",
      rejects: "",
      endsChunk: false,
      checkpoint: final,
    });
  }

  private onReport(r: ChainReport): void {
    this.counts.notArchived++;
    const { kind, hash, height, offset } = r;
    this.reports.push(rejectLine({ kind, hash, height, file: blkFileName(r.file), offset }));
  }

  private onReject(r: BlockRejection): void {
    this.counts.rejected++;
    const file = r.file < 0 ? null : blkFileName(r.file);
    this.reports.push(rejectLine({ kind: "invalid", ...r, file }));
  }
}

/** The snapshot of a pipeline that has read nothing yet (a new archive's first resume point). */
export function emptySnapshot(network: NetworkParams, startHeight: number): PipelineSnapshot {
  const orderer = new ChainOrderer({ network, fetch: () => new Uint8Array(0) });
  return {
    nextHeight: startHeight,
    tipHash: null,
    reader: null,
    orderer: orderer.snapshot(),
    headers: new HeaderChain(network).snapshot(),
    rejected: null,
  };
}

function rejectLine(r: Record<string, unknown>): string {
  return JSON.stringify(r) + "\n";
}
