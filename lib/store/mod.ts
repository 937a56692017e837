/**
 * The storage layer: the {@link Store} interface every archive goes through,
 * its local-directory and S3 implementations, and {@link openStore} that
 * picks one from a location.
 *
 * @module
 */

export { type AppendFile, ArchiveLockedError, type Store, type StoreLock } from "./store.ts";
export { LocalStore } from "./local_store.ts";
export { openStore } from "./open_store.ts";
export { S3Store, type S3StoreOptions } from "./s3_store.ts";
export { isS3Url, S3_ENV, type S3Config, s3Config, S3ConfigError } from "./s3_location.ts";
export { type RetryPolicy, S3RequestError, S3UnavailableError } from "./s3_client.ts";
