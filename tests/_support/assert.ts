/**
 * The few assertions the tests use, on top of `node:assert/strict`
 * (JSR's @std/assert is unreachable from our machines).
 *
 * @module
 */

import assert from "node:assert/strict";

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Truthiness. */
export function assertTrue(value: unknown, message?: string): void {
  assert.ok(value, message);
}

/**
 * Runs `fn`, demands that it throws, optionally checks the error's class,
 * message pattern or a validator, and returns the error.
 */
export function assertThrows(
  fn: () => unknown,
  check?: (abstract new (...args: never[]) => Error) | RegExp | ((e: unknown) => boolean),
): unknown {
  try {
    fn();
  } catch (e) {
    if (check instanceof RegExp) assert.match(String((e as Error)?.message ?? e), check);
    else if (check && check.prototype instanceof Error || check === Error) {
      assert.ok(e instanceof (check as abstract new () => Error), `wrong error class: ${e}`);
    } else if (check) assert.ok((check as (e: unknown) => boolean)(e), `validator rejected ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "Expected the function to throw" });
}

/** Async variant of {@link assertThrows}. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  check?: (abstract new (...args: never[]) => Error) | RegExp,
): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    if (check instanceof RegExp) assert.match(String((e as Error)?.message ?? e), check);
    else if (check) assert.ok(e instanceof check, `wrong error class: ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "Expected the promise to reject" });
}
