import { assertEquals } from "../_support/assert.ts";
import { defaultCollectWorkers, MAX_DEFAULT_WORKERS } from "../../lib/collect/default_workers.ts";

Deno.test("collect's default workers: one per core up to 8, 2 at utxo, 2 when the core count is unknown", () => {
  const cases: Array<[number, "framing" | "headers" | "full" | "utxo", number]> = [
    [1, "full", 1],
    [2, "full", 2],
    [3, "headers", 3],
    [6, "framing", 6],
    [8, "full", 8],
    [64, "full", MAX_DEFAULT_WORKERS],
    [64, "utxo", 2],
    [1, "utxo", 2],
    [0, "full", 2],
    [Number.NaN, "full", 2],
    [4.5, "full", 4],
  ];
  for (const [cores, check, want] of cases) {
    assertEquals(defaultCollectWorkers(cores, check), want, `${cores} cores at ${check}`);
  }
  assertEquals(MAX_DEFAULT_WORKERS, 8);
});
