/**
 * The storage layer: the {@link Store} interface every archive goes through
 * and its local-directory implementation.
 *
 * @module
 */

export { type AppendFile, ArchiveLockedError, type Store, type StoreLock } from "./store.ts";
export { LocalStore } from "./local_store.ts";
