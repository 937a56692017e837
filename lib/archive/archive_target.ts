/**
 * Opening an archive for writing: take the writer lock, load the resume
 * record (or create a new, empty archive), and work out where framing
 * continues. Collect and hand-composed stream pipelines both start here, so
 * either can extend what the other wrote.
 *
 * @module
 */

import type { NetworkParams } from "../bitcoin/network.ts";
import type { Store, StoreLock } from "../store/store.ts";
import { LOCK_FILE } from "../store/local_store.ts";
import { createArchive } from "./archive_writer.ts";
import type { FrameLayout, FramePosition } from "./framer.ts";
import {
  ARCHIVE_PATHS,
  ArchiveError,
  type ArchiveLayoutOptions,
  type ArchiveManifest,
  newManifest,
} from "./manifest.ts";
import { decodeResumeState, type ResumeState } from "./resume_record.ts";
import { readOpenFrames } from "./open_frames.ts";

/** An archive open for writing (holding its writer lock). */
export interface ArchiveTarget {
  /** Where the archive lives. */
  store: Store;
  /** Where the open chunk is built, if not in the archive. */
  stage: Store | undefined;
  /** The resume record the run starts from. */
  state: ResumeState;
  /** True when this call created the archive. */
  created: boolean;
  /** How frames and chunks are cut (from the manifest). */
  layout: FrameLayout;
  /** Where framing continues. */
  position: FramePosition;
  /** The writer lock (released by the sink, or by {@link ArchiveTarget.lock}.release()). */
  lock: StoreLock;
}

/** Options of {@link openArchiveTarget}. */
export interface OpenTargetOptions extends ArchiveLayoutOptions {
  /** The network of the blocks (an existing archive must match). */
  network: NetworkParams;
  /** Build the open chunk here. */
  stage?: Store | undefined;
  /** Pipeline snapshot recorded in a new archive's first resume record (made on demand). */
  initialPipeline?: (() => unknown) | undefined;
}

/**
 * Loads the resume record of the archive in `store`, or null for a new
 * archive (a missing or empty location, or one that holds only what a run
 * killed before its first record leaves behind); anything else is refused.
 */
export async function loadArchiveState(store: Store): Promise<ResumeState | null> {
  const text = await readText(store, ARCHIVE_PATHS.state);
  if (text !== null) {
    const s = decodeResumeState(text, store.describe(ARCHIVE_PATHS.state));
    const open = s.open;
    if (open === null || Array.isArray(open.frames)) return s as ResumeState;
    return { ...s, open: { ...open, frames: await readOpenFrames(store, open.id, open.frames) } };
  }
  if ((await store.size(ARCHIVE_PATHS.manifest)) !== null) {
    throw new ArchiveError(
      `${store.location} has a manifest but no ${ARCHIVE_PATHS.state}: cannot extend it safely`,
    );
  }
  if (!(await isFresh(store))) {
    throw new ArchiveError(
      `${store.location} is not empty and is not a blkpipe archive: choose a new or empty directory`,
    );
  }
  return null;
}

async function readText(store: Store, path: string): Promise<string | null> {
  const bytes = await store.read(path);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

async function isFresh(store: Store): Promise<boolean> {
  let names: string[];
  try {
    names = await store.list("");
  } catch (e) {
    if (e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
  for (const name of names) {
    if (name === LOCK_FILE) continue;
    if (name !== "state") return false;
    const inState = await store.list("state");
    if (inState.some((f) => !f.endsWith(".tmp"))) return false;
  }
  return true;
}

/** Where framing continues in the archive recorded by `state`. */
export function positionOf(state: ResumeState): FramePosition {
  const m = state.manifest;
  const nextHeight = m.tip ? m.tip.height + 1 : m.startHeight;
  if (state.open) {
    const o = state.open;
    return {
      nextHeight,
      chunk: o.id,
      chunkBlocks: o.blocks,
      chunkRaw: o.rawBytes,
      chunkFrames: o.frames.length,
    };
  }
  const last = m.chunks.at(-1);
  if (last?.open) {
    return {
      nextHeight,
      chunk: last.id,
      chunkBlocks: last.blocks,
      chunkRaw: last.rawBytes,
      chunkFrames: last.frames,
    };
  }
  return { nextHeight, chunk: last ? last.id + 1 : 0, chunkBlocks: 0, chunkRaw: 0, chunkFrames: 0 };
}

/** The frame layout an archive's manifest prescribes. */
export function layoutOf(m: ArchiveManifest, network: NetworkParams): FrameLayout {
  return { magic: network.magic, frameBytes: m.frameBytes, chunkPolicy: m.chunkPolicy };
}

/**
 * Opens (or creates) the archive in `store` for writing. Throws
 * `ArchiveLockedError` when another writer holds it and {@link ArchiveError}
 * when it is not an archive or holds another network.
 */
export async function openArchiveTarget(
  store: Store,
  options: OpenTargetOptions,
): Promise<ArchiveTarget> {
  await loadArchiveState(store); // refuse a non-archive before writing anything into it
  const lock = await store.lock({ create: true }); // this writer may create the archive
  try {
    let state = await loadArchiveState(store); // again, now that no other writer can change it
    const created = state === null;
    if (state === null) {
      const manifest = newManifest(options.network.name, options);
      state = await createArchive(store, manifest, options.initialPipeline?.() ?? null);
    } else if (state.manifest.network !== options.network.name) {
      throw new ArchiveError(
        `${store.location} is a ${state.manifest.network} archive; the blocks are ${options.network.name}`,
      );
    }
    return {
      store,
      stage: options.stage,
      state,
      created,
      layout: layoutOf(state.manifest, options.network),
      position: positionOf(state),
      lock,
    };
  } catch (e) {
    await lock.release();
    throw e;
  }
}
