import { assertEquals } from "../_support/assert.ts";
import { TASK_ENV, taskEnvPrefix } from "../../tasks/_task_env.ts";

Deno.test("deno.json's collect and index tasks run with the environment the benchmarks measure", () => {
  const tasks = JSON.parse(
    Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)),
  ).tasks as Record<string, string>;
  assertEquals(Object.keys(TASK_ENV).length > 0, true);
  for (const name of ["collect", "index"]) {
    assertEquals(tasks[name]!.startsWith(`${taskEnvPrefix()} deno run `), true, tasks[name]);
  }
});
