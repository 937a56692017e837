/**
 * The UTXO store's options, its durable state (what `store.json` or a
 * caller's checkpoint records) and its counters.
 *
 * @module
 */

/** Store options. */
export interface UtxoStoreOptions {
  /** Memory ages (default 3). */
  ages?: number;
  /** Runs per age before they merge (default 8). */
  fanIn?: number;
  /** Spill every memory run to a segment when they hold more than this (default 128 MiB). */
  maxMemoryBytes?: number;
  /**
   * Open this state instead of `store.json`, and never write `store.json` nor
   * delete a replaced segment: the caller records {@link UtxoStore.state} at
   * its own checkpoints and removes files no checkpoint names.
   */
  managed?: UtxoStoreState | null;
}

/** What names a store's durable content (`store.json`, or a caller's checkpoint). */
export interface UtxoStoreState {
  format: "blkpipe-utxo-store";
  version: 1;
  /** Segment file names inside the store's directory, oldest first. */
  segments: string[];
  /** Height below which history was compacted away. */
  gcHeight: number;
  /** Number of the next segment file. */
  nextSegment: number;
}

/** A new, empty store state. */
export function emptyUtxoState(): UtxoStoreState {
  return { format: "blkpipe-utxo-store", version: 1, segments: [], gcHeight: 0, nextSegment: 1 };
}

/** The state a store in `dir` opens with: a copy of `managed`, else `store.json`, else empty. */
export function loadUtxoState(dir: string, managed?: UtxoStoreState | null): UtxoStoreState {
  if (managed) return structuredClone(managed);
  try {
    const state = JSON.parse(Deno.readTextFileSync(`${dir}/store.json`));
    if (state.format !== "blkpipe-utxo-store") throw new SyntaxError("not a blkpipe UTXO store");
    return state;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return emptyUtxoState();
  }
}

/** Counters. */
export interface UtxoStoreStats {
  /** Entries in memory runs. */
  memoryEntries: number;
  /** Memory runs per age. */
  runsPerAge: number[];
  /** Disk segments. */
  segments: number;
  /** Entries in disk segments. */
  diskEntries: number;
  /** Disk segments whose bloom filter is not in memory ({@link UtxoStore.fitResident}). */
  withoutBloom: number;
}
