/**
 * Where parity work happens. The PAR2 codec reads and writes local files;
 * a `ParityPlace` gives it the archive's files as a local directory: the
 * archive directory itself, or — for an archive in object storage — a
 * working copy of one recovery set at a time under the stage directory,
 * whose new or rebuilt files are then uploaded (each verified by size) and
 * the copy dropped. The archive's records (`parity.json`, the manifest) are
 * read and written through the store in both cases.
 *
 * @module
 */

import { LocalStore } from "../store/local_store.ts";
import type { Store } from "../store/store.ts";

/** The archive's files, and a local directory in which the PAR2 codec works on them. */
export interface ParityPlace {
  /** The archive's store (records, listings, sizes, removals). */
  readonly store: Store;
  /**
   * A local directory holding `files` (paths relative to the archive) as the archive has them;
   * files the archive lacks are absent there too. Repeated calls add (or copy again) files.
   */
  checkout(files: string[]): Promise<string>;
  /** Makes `files`, written in the checkout directory, part of the archive (replacing them). */
  publish(files: string[]): Promise<void>;
  /** Drops the working copy (a local archive: its cached file handles). */
  release(): Promise<void>;
  /** Removes what killed runs left behind (temporaries, a working copy). */
  clean(): Promise<void>;
}

/** Leftovers of killed creates and repairs: never a real archive file. */
export function isParityTemporary(name: string): boolean {
  return name.endsWith(".repair.tmp") || /^parity-.*\.tmp$/.test(name);
}

/** The archive directory `dir`: the codec works on the archive's own files. */
export function localParityPlace(dir: string): ParityPlace {
  const store = new LocalStore(dir);
  return {
    store,
    checkout: () => Promise.resolve(dir),
    publish: () => Promise.resolve(),
    release: () => Promise.resolve(store.close()), // cached handles only; the store stays usable
    clean() {
      const walk = (rel: string) => {
        for (const e of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
          const path = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory && !rel) walk(path);
          else if (e.isFile && isParityTemporary(e.name)) Deno.removeSync(`${dir}/${path}`);
        }
      };
      walk("");
      return Promise.resolve();
    },
  };
}

/** Bytes fetched per range request while copying a file out of the store. */
const COPY_PIECE = 8 << 20;

/**
 * An archive in `store` (object storage): each set is copied into `${stage}/parity-work`, worked
 * on there, and what changed is uploaded. The stage needs room for one recovery set (a group of
 * chunks and its PAR2 files).
 */
export function stagedParityPlace(store: Store, stage: string): ParityPlace {
  const work = `${stage}/parity-work`;
  const drop = () => {
    try {
      Deno.removeSync(work, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  };
  return {
    store,
    async checkout(files) {
      for (const file of files) {
        const local = `${work}/${file}`;
        const size = await store.size(file);
        if (size === null) continue;
        Deno.mkdirSync(local.slice(0, local.lastIndexOf("/")), { recursive: true });
        const f = Deno.openSync(`${local}.part`, { write: true, create: true, truncate: true });
        try {
          for (let at = 0; at < size; at += COPY_PIECE) {
            const piece = await store.readAt(file, at, Math.min(COPY_PIECE, size - at));
            for (let o = 0; o < piece.length;) o += f.writeSync(piece.subarray(o));
          }
        } finally {
          f.close();
        }
        Deno.renameSync(`${local}.part`, local);
      }
      return work;
    },
    async publish(files) {
      for (const file of files) {
        const local = `${work}/${file}`;
        if (store.importFile) await store.importFile(local, file);
        else await store.replace(file, Deno.readFileSync(local));
      }
    },
    release() {
      drop();
      return Promise.resolve();
    },
    clean() {
      drop();
      return Promise.resolve();
    },
  };
}
