/**
 * Puts blocks in best-chain order in one sequential pass with bounded
 * memory. Blocks arrive out of order (headers-first download) and include
 * stale forks and orphans. A block whose parent is not yet known is kept as
 * a position (file, offset) plus the two header fields needed (prev hash,
 * nBits), and read back by positioned read once it can be emitted. A height
 * is emitted once the most-work tip is `depth` blocks above it, or when the
 * input ends. Stale and orphan blocks are reported, never emitted.
 *
 * Memory: the header window (main chain back `keep` blocks, side branches,
 * unemitted blocks) plus the orphan positions — proportional to the
 * out-of-order window and the depth, not to the chain length.
 *
 * @module
 */

import { hashToHex } from "../bytes/hex.ts";
import { blockHash, headerPrevHash } from "../bitcoin/header.ts";
import { recordSize } from "../bitcoin/blk_record.ts";
import { genesisBlock } from "../bitcoin/genesis.ts";
import { blockWork } from "../bitcoin/pow.ts";
import {
  type ChainOrdererOptions,
  type ChainOrdererState,
  type ChainReport,
  type OrderedBlock,
  type PositionedBlock,
  ReorgTooDeepError,
} from "./chain_types.ts";

interface Node {
  key: string;
  hash: Uint8Array;
  prevKey: string;
  parent: Node | undefined;
  height: number;
  work: bigint;
  /** `work` in hex, kept once made (snapshots at every resume point). */
  workHex?: string;
  file: number;
  offset: number;
  main: boolean;
}

interface Orphan {
  key: string;
  hash: Uint8Array;
  prevKey: string;
  bits: number;
  file: number;
  offset: number;
}

const LE_HEX = (b: Uint8Array) => hashToHex(b);

function fromDisplayHex(hex: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[31 - i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The ordering state machine. Feed records with {@link add}; call
 * {@link finish} at the end of input.
 */
export class ChainOrderer {
  private readonly depth: number;
  private readonly keep: number;
  private readonly fetchBlock: (file: number, offset: number) => Uint8Array;
  private readonly onReport: (r: ChainReport) => void;
  private readonly cacheLimit: number;
  private readonly nodes = new Map<string, Node>();
  private readonly byHeight = new Map<number, Node[]>();
  private readonly orphans = new Map<string, Orphan[]>();
  private readonly orphanKeys = new Set<string>();
  private readonly cache = new Map<string, Uint8Array>();
  private cacheSize = 0;
  private best: Node;
  private emitted: Node | undefined;
  private emittedHeight = -1;
  private next: { file: number; offset: number } | null = null;
  private readonly genesisBytes: Uint8Array;

  constructor(readonly options: ChainOrdererOptions) {
    this.depth = options.depth ?? 6;
    this.keep = Math.max(options.keep ?? 288, this.depth);
    this.fetchBlock = options.fetch;
    this.onReport = options.onReport ?? (() => {});
    this.cacheLimit = options.cacheBytes ?? 64 << 20;
    this.genesisBytes = genesisBlock(options.network.name);
    const hash = fromDisplayHex(options.network.genesisHash);
    const root: Node = {
      key: options.network.genesisHash,
      hash,
      prevKey: "",
      parent: undefined,
      height: 0,
      work: blockWork(options.network.powLimitBits),
      file: -1,
      offset: 0,
      main: false,
    };
    this.insert(root);
    this.best = root;
  }

  /** Height of the last emitted block (-1 before genesis). */
  get lastEmittedHeight(): number {
    return this.emittedHeight;
  }

  /** Height of the most-work tip seen so far. */
  get tipHeight(): number {
    return this.best.height;
  }

  /** Blocks waiting for their parent. */
  get orphanCount(): number {
    return this.orphanKeys.size;
  }

  /** Adds one block record; emits every height that became final. */
  add(record: PositionedBlock, emit: (b: OrderedBlock) => void): void {
    this.next = { file: record.file, offset: record.offset + recordSize(record.bytes.length) };
    const hash = blockHash(record.bytes);
    const key = LE_HEX(hash);
    const known = this.nodes.get(key);
    if (known) {
      if (known.file === -1) {
        known.file = record.file; // genesis found in the files
        known.offset = record.offset;
      } else {
        this.report("duplicate", key, known.height, record.file, record.offset);
      }
      return;
    }
    if (this.orphanKeys.has(key)) {
      this.report("duplicate", key, null, record.file, record.offset);
      return;
    }
    const prevKey = LE_HEX(headerPrevHash(record.bytes));
    const bits = new DataView(record.bytes.buffer, record.bytes.byteOffset + 72, 4).getUint32(
      0,
      true,
    );
    this.remember(key, record.bytes);
    const orphan: Orphan = { key, hash, prevKey, bits, file: record.file, offset: record.offset };
    const parent = this.nodes.get(prevKey);
    if (!parent) {
      let list = this.orphans.get(prevKey);
      if (!list) this.orphans.set(prevKey, list = []);
      list.push(orphan);
      this.orphanKeys.add(key);
      return;
    }
    this.connect(orphan, parent);
    this.advance(emit);
  }

  /**
   * Emits the rest of the best chain now (not waiting for `depth`), keeping
   * orphans and side branches pending — for a run that ends while more
   * blocks may come later.
   */
  flushBest(emit: (b: OrderedBlock) => void, stop: () => boolean = () => false): void {
    const chain: Node[] = [];
    for (let n: Node | undefined = this.best; n && n.height > this.emittedHeight; n = n.parent) {
      chain.push(n);
    }
    for (let i = chain.length - 1; i >= 0 && !stop(); i--) this.emitNode(chain[i]!, emit);
  }

  /** End of input: emits the rest of the best chain, reports the leftovers. */
  finish(emit: (b: OrderedBlock) => void): void {
    this.flushBest(emit);
    for (const [, list] of [...this.byHeight].sort((a, b) => a[0] - b[0])) {
      for (const n of list) {
        if (!n.main) this.report("stale", n.key, n.height, n.file, n.offset);
      }
    }
    for (const list of this.orphans.values()) {
      for (const o of list) this.report("orphan", o.key, null, o.file, o.offset);
    }
    this.orphans.clear();
    this.orphanKeys.clear();
    this.cache.clear();
    this.cacheSize = 0;
  }

  /** Re-runs emission (after {@link restore}). */
  resume(emit: (b: OrderedBlock) => void): void {
    this.advance(emit);
  }

  /** State to persist for a resume; bytes are not included (positions are). */
  snapshot(): ChainOrdererState {
    const nodes: ChainOrdererState["nodes"] = [];
    for (const n of this.nodes.values()) {
      nodes.push([
        n.key,
        n.prevKey,
        n.height,
        n.workHex ??= n.work.toString(16),
        n.file,
        n.offset,
        n.main,
      ]);
    }
    const orphans: ChainOrdererState["orphans"] = [];
    for (const list of this.orphans.values()) {
      for (const o of list) orphans.push([o.key, o.prevKey, o.bits, o.file, o.offset]);
    }
    // Sorted, so equal states serialize identically however they were reached.
    nodes.sort((a, b) => a[2] - b[2] || (a[0] < b[0] ? -1 : 1));
    orphans.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : 1));
    return {
      next: this.next,
      emittedHeight: this.emittedHeight,
      emittedKey: this.emitted?.key ?? null,
      bestKey: this.best.key,
      nodes,
      orphans,
    };
  }

  /** Replaces this orderer's state with a {@link snapshot}. */
  restore(state: ChainOrdererState): void {
    this.nodes.clear();
    this.byHeight.clear();
    this.orphans.clear();
    this.orphanKeys.clear();
    const sorted = [...state.nodes].sort((a, b) => a[2] - b[2]);
    for (const [key, prevKey, height, work, file, offset, main] of sorted) {
      const node: Node = {
        key,
        hash: fromDisplayHex(key),
        prevKey,
        parent: this.nodes.get(prevKey),
        height,
        work: BigInt("0x" + work),
        file,
        offset,
        main,
      };
      this.insert(node);
    }
    for (const [key, prevKey, bits, file, offset] of state.orphans) {
      let list = this.orphans.get(prevKey);
      if (!list) this.orphans.set(prevKey, list = []);
      list.push({ key, hash: fromDisplayHex(key), prevKey, bits, file, offset });
      this.orphanKeys.add(key);
    }
    this.emittedHeight = state.emittedHeight;
    this.next = state.next;
    this.emitted = state.emittedKey === null ? undefined : this.nodes.get(state.emittedKey);
    this.best = (state.bestKey !== undefined ? this.nodes.get(state.bestKey) : undefined) ??
      [...this.nodes.values()].reduce((a, b) => (b.work > a.work ? b : a));
  }

  private report(
    kind: ChainReport["kind"],
    key: string,
    height: number | null,
    file: number,
    offset: number,
  ) {
    this.onReport({ kind, hash: key, height, file, offset });
  }

  private insert(n: Node): void {
    this.nodes.set(n.key, n);
    let list = this.byHeight.get(n.height);
    if (!list) this.byHeight.set(n.height, list = []);
    list.push(n);
  }

  private remember(key: string, bytes: Uint8Array): void {
    this.cache.set(key, bytes);
    this.cacheSize += bytes.length;
    while (this.cacheSize > this.cacheLimit && this.cache.size > 1) {
      const [k, b] = this.cache.entries().next().value!;
      this.cache.delete(k);
      this.cacheSize -= b.length;
    }
  }

  private take(n: Node): Uint8Array {
    const cached = this.cache.get(n.key);
    if (cached) {
      this.cache.delete(n.key);
      this.cacheSize -= cached.length;
      return cached;
    }
    // Identical to the copy in the files; a copy of its own, as every block handed out is.
    if (n.height === 0) return this.genesisBytes.slice();
    return this.fetchBlock(n.file, n.offset);
  }

  /** Connects `o` under `parent`, then every orphan waiting on it. */
  private connect(first: Orphan, firstParent: Node): void {
    const stack: Array<[Orphan, Node]> = [[first, firstParent]];
    while (stack.length > 0) {
      const [o, parent] = stack.pop()!;
      const node: Node = {
        key: o.key,
        hash: o.hash,
        prevKey: o.prevKey,
        parent,
        height: parent.height + 1,
        work: parent.work + blockWork(o.bits),
        file: o.file,
        offset: o.offset,
        main: false,
      };
      this.insert(node);
      if (node.work > this.best.work) this.setBest(node);
      const waiting = this.orphans.get(node.key);
      if (waiting) {
        this.orphans.delete(node.key);
        for (const w of waiting) {
          this.orphanKeys.delete(w.key);
          stack.push([w, node]);
        }
      }
    }
  }

  private setBest(node: Node): void {
    if (this.emitted) {
      let a: Node | undefined = node;
      while (a && a.height > this.emittedHeight) a = a.parent;
      if (a !== this.emitted) {
        let fork: Node | undefined = node;
        while (fork && !fork.main) fork = fork.parent;
        const forkHeight = fork ? fork.height : this.emittedHeight - this.keep;
        throw new ReorgTooDeepError(
          `Reorganisation below emitted height ${this.emittedHeight}: block ${node.key} ` +
            `(height ${node.height}) forks at height ${forkHeight}`,
          this.depth + (this.emittedHeight - forkHeight),
        );
      }
    }
    this.best = node;
  }

  private advance(emit: (b: OrderedBlock) => void): void {
    while (this.best.height - (this.emittedHeight + 1) >= this.depth) {
      let n: Node = this.best;
      while (n.height > this.emittedHeight + 1) n = n.parent!;
      this.emitNode(n, emit);
    }
  }

  private emitNode(n: Node, emit: (b: OrderedBlock) => void): void {
    n.main = true;
    this.emitted = n;
    this.emittedHeight = n.height;
    // Prune first: a snapshot taken inside `emit` must already reflect it.
    this.prune(n.height - this.keep);
    emit({ height: n.height, hash: n.hash, file: n.file, offset: n.offset, bytes: this.take(n) });
  }

  /** Drops headers at `height`; side-branch ones are reported stale. */
  private prune(height: number): void {
    const list = this.byHeight.get(height);
    if (!list) return;
    this.byHeight.delete(height);
    // Cut parent links so pruned headers become garbage (memory stays bounded).
    for (const child of this.byHeight.get(height + 1) ?? []) child.parent = undefined;
    for (const n of list) {
      this.nodes.delete(n.key);
      if (!n.main) {
        this.report("stale", n.key, n.height, n.file, n.offset);
        const c = this.cache.get(n.key);
        if (c) {
          this.cache.delete(n.key);
          this.cacheSize -= c.length;
        }
      }
    }
  }
}
