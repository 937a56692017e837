/**
 * The two domain errors callers catch. Everything else uses built-ins
 * (`TypeError` for wrong shapes, `RangeError` for out-of-range arguments).
 *
 * @module
 */

/** Where in the input a problem was found. */
export interface DataLocation {
  /** Source file, when the bytes came from one. */
  file?: string;
  /** Byte offset (in the file, or in the buffer being decoded). */
  offset: number;
  /** Field being decoded, e.g. `tx[3].vin[0].scriptSig`. */
  field: string;
}

/**
 * Input bytes that do not decode: truncated, non-minimal, out of range,
 * trailing bytes. Carries a machine-readable `code` plus the location.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CorruptDataError } from "./errors.ts";
 * const e = new CorruptDataError("truncated", "need 4 bytes", { offset: 10, field: "version" });
 * assert(e.message.includes("offset 10"));
 * ```
 */
export class CorruptDataError extends Error {
  /** Machine-readable reason, e.g. `truncated`, `non-minimal-compact-size`. */
  readonly code: string;
  /** Byte offset where the problem starts. */
  readonly offset: number;
  /** Field being decoded. */
  readonly field: string;
  /** Source file, when known. */
  readonly file: string | undefined;

  constructor(code: string, detail: string, where: DataLocation) {
    const file = where.file === undefined ? "" : `${where.file}: `;
    super(`${file}Corrupt data at offset ${where.offset} (${where.field}): ${detail}`);
    this.name = "CorruptDataError";
    this.code = code;
    this.offset = where.offset;
    this.field = where.field;
    this.file = where.file;
  }

  /** The same error relocated: offsets shifted by `base` and the file named. */
  at(base: number, file?: string): CorruptDataError {
    const where: DataLocation = { offset: this.offset + base, field: this.field };
    const f = file ?? this.file;
    if (f !== undefined) where.file = f;
    return new CorruptDataError(this.code, this.message.replace(/^.*?\): /, ""), where);
  }
}

/** Stored checksum does not match the bytes it covers. */
export class ChecksumMismatchError extends Error {
  /** What was being checked (file, chunk, frame). */
  readonly subject: string;
  constructor(subject: string, expected: string, actual: string) {
    super(`Checksum mismatch for ${subject}: expected ${expected}, got ${actual}`);
    this.name = "ChecksumMismatchError";
    this.subject = subject;
  }
}
