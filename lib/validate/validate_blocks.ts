/**
 * The validator stage: a `TransformStream` that passes valid blocks on in
 * order and routes each invalid one to `onReject` with a machine-readable
 * code, its hash, height and source position. Every later block of the
 * ordered chain descends from a rejected one and is rejected as
 * `invalid-ancestor`, naming it.
 *
 * Per-block checks ({@link BlockChecker}) run here or on a worker pool
 * (`validate_pool.ts`); the sequential header checks ({@link HeaderChain})
 * always run here, in order.
 *
 * @module
 */

import { hashToHex } from "../bytes/hex.ts";
import type { OrderedBlock } from "../chain/chain_types.ts";
import { headerOf } from "../bitcoin/header.ts";
import type { NetworkParams } from "../bitcoin/network.ts";
import { BlockChecker, type CheckLevel } from "./check_block.ts";
import { HeaderChain } from "./header_chain.ts";
import type { BlockRejection, CheckFailure } from "./reject.ts";

/** Options of {@link validateBlocks}. */
export interface ValidateOptions {
  /** Network rules to apply. */
  network: NetworkParams;
  /** `framing`, `headers` or `full` (default). */
  level?: CheckLevel;
  /** Receives every rejected block. */
  onReject?: (r: BlockRejection) => void;
  /** Header window to continue from (resume); a fresh one otherwise. */
  headerChain?: HeaderChain;
  /**
   * Rules that need the chain so far (the UTXO set), run in order on blocks
   * that passed every other check; a block it accepts is part of its state.
   */
  chainRules?: ((block: OrderedBlock) => CheckFailure | null) | undefined;
}

/** A block with the result of its per-block checks (computed here or on a worker). */
export interface CheckedBlock extends OrderedBlock {
  /** First failed per-block check, or null. */
  failure: CheckFailure | null;
}

/**
 * Applies the sequential part to blocks whose per-block checks are done;
 * shared by the single-thread stage and the worker pool.
 */
export class SequentialValidator {
  /** Header window (time, nBits, hash of recent blocks). */
  readonly headers: HeaderChain;
  private rejected: BlockRejection | undefined;

  constructor(readonly options: ValidateOptions & { rejected?: BlockRejection | null }) {
    this.headers = options.headerChain ?? new HeaderChain(options.network);
    this.rejected = options.rejected ?? undefined;
  }

  /** The first rejected block (every later one descends from it), or null. */
  get firstRejection(): BlockRejection | null {
    return this.rejected ?? null;
  }

  /** True when `block` is valid (and recorded); otherwise reports it. */
  accept(block: CheckedBlock): boolean {
    const level = this.options.level ?? "full";
    let failure = block.failure;
    if (this.rejected) {
      failure = {
        code: "invalid-ancestor",
        detail:
          `descends from rejected block ${this.rejected.hash} at height ${this.rejected.height} ` +
          `(${this.rejected.code})`,
      };
    } else if (!failure && level !== "framing") {
      failure = this.headers.check(headerOf(block.bytes), block.height);
      if (!failure && this.options.chainRules) failure = this.options.chainRules(block);
    }
    if (failure) {
      const r: BlockRejection = {
        ...failure,
        hash: hashToHex(block.hash),
        height: block.height,
        file: block.file,
        offset: block.offset,
      };
      this.rejected ??= r;
      this.options.onReject?.(r);
      return false;
    }
    this.headers.accept(headerOf(block.bytes), block.hash, block.height);
    return true;
  }
}

/**
 * Single-threaded validator stage.
 *
 * @example
 * ```ts ignore
 * ordered.pipeThrough(validateBlocks({ network, onReject: (r) => console.log(r.code) }))
 * ```
 */
export function validateBlocks(
  options: ValidateOptions,
): TransformStream<OrderedBlock, OrderedBlock> {
  const checker = new BlockChecker(options.network);
  const seq = new SequentialValidator(options);
  const level = options.level ?? "full";
  return new TransformStream<OrderedBlock, OrderedBlock>({
    transform(block, controller) {
      const failure = checker.check(block.bytes, block.hash, block.height, level);
      if (seq.accept({ ...block, failure })) controller.enqueue(block);
    },
  });
}
