import { assertEquals } from "../_support/assert.ts";
import { testArgs } from "../../tasks/test.ts";

Deno.test("deno task test: named paths replace the whole suite, flags go through in order", () => {
  const everything = ["tests/", "lib/", "mod.ts"];
  const all = testArgs([]);
  assertEquals(all.slice(-3), everything);
  assertEquals(all.slice(0, 2), ["test", "--doc"]);
  const one = testArgs(["tests/index/", "--filter", "resume"]);
  assertEquals(one.slice(-3), ["tests/index/", "--filter", "resume"]);
  // A flag's value that is not a path does not count as a path.
  const filtered = testArgs(["--filter", "resume", "--"]);
  assertEquals(filtered.slice(-5), ["--filter", "resume", ...everything]);
});
