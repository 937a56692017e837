import { assertEquals, assertThrows } from "../_support/assert.ts";
import { ByteCursor } from "../../lib/bytes/cursor.ts";
import { CorruptDataError } from "../../lib/bytes/errors.ts";
import { encodeCompactSize } from "../../lib/bytes/compact_size.ts";
import { fromHex, hashFromHex, hashToHex, toHex } from "../../lib/bytes/hex.ts";

function decode(hex: string): number {
  const c = new ByteCursor(fromHex(hex));
  const v = c.compactSize("n");
  assertEquals(c.remaining, 0, `trailing bytes after ${hex}`);
  return v;
}

function rejects(hex: string, code: string, offset = 0): void {
  assertThrows(() => decode(hex), (e: unknown) => {
    assertEquals(e instanceof CorruptDataError, true);
    assertEquals((e as CorruptDataError).code, code);
    assertEquals((e as CorruptDataError).offset, offset);
    assertEquals((e as CorruptDataError).field, "n");
    return true;
  });
}

Deno.test("CompactSize boundaries encode minimally and round-trip", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [0xfc, "fc"],
    [0xfd, "fdfd00"],
    [0xffff, "fdffff"],
    [0x10000, "fe00000100"],
    [0xffffffff, "feffffffff"],
    [2 ** 32, "ff0000000001000000"],
    [Number.MAX_SAFE_INTEGER, "ffffffffffffff1f00"],
  ];
  for (const [n, hex] of cases) {
    assertEquals(toHex(encodeCompactSize(n)), hex);
    assertEquals(decode(hex), n);
  }
  assertEquals(toHex(encodeCompactSize(2n ** 64n - 1n)), "ffffffffffffffffff");
});

Deno.test("CompactSize rejects non-minimal encodings", () => {
  rejects("fd0000", "non-minimal-compact-size");
  rejects("fdfc00", "non-minimal-compact-size");
  rejects("feffff0000", "non-minimal-compact-size");
  rejects("ffffffffff00000000", "non-minimal-compact-size");
});

Deno.test("CompactSize rejects values above the caller's maximum and truncation", () => {
  rejects("ffffffffffffffffff", "compact-size-too-large");
  assertThrows(() => new ByteCursor(fromHex("fe00000003")).compactSize("n", 0x02000000), /exceeds/);
  rejects("fd01", "truncated", 1);
  rejects("", "truncated");
});

Deno.test("cursor reports field and absolute offset on truncation", () => {
  const c = new ByteCursor(new Uint8Array(6), 0, 1000);
  c.u32("a");
  const e = assertThrows(() => c.u32("b")) as CorruptDataError;
  assertEquals(e.offset, 1004);
  assertEquals(e.field, "b");
  assertEquals(e.message.includes("offset 1004"), true);
});

Deno.test("hex and display-order hashes", () => {
  assertEquals(toHex(fromHex("00ff10AB")), "00ff10ab");
  assertThrows(() => fromHex("abc"), SyntaxError);
  assertThrows(() => fromHex("zz"), SyntaxError);
  const h = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
  assertEquals(hashToHex(hashFromHex(h)), h);
  assertEquals(hashFromHex(h)[31], 0);
});
