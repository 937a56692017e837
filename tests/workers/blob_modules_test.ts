import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blobModuleGraph, relativeImports } from "../../lib/workers/blob_modules.ts";
import { CHECK_WORKER_MODULES } from "../../lib/validate/check_worker_sources.ts";
import { HASH_WASM, SEGMENT_WORKER_MODULES } from "../../lib/index/segment_worker_sources.ts";

Deno.test("blob modules: imports rewritten dependencies first; doc-comment imports are not code", async () => {
  const graph = blobModuleGraph({
    "file:///m/main.ts": [
      "/**",
      " * @example",
      ' * import { nothing } from "./absent.ts";',
      " */",
      'import { b } from "./b.ts";',
      'import {\n  c,\n} from "./sub/c.ts";',
      'export { b as again } from "./b.ts";',
      "self.postMessage(b() + c());",
    ].join("\n"),
    "file:///m/b.ts":
      'import { c } from "./sub/c.ts";\nexport const b = (): string => "b" + c();\n',
    "file:///m/sub/c.ts": 'export const c = (): string => "c";\n',
  }, "file:///m/main.ts");
  const worker = new Worker(graph.url, { type: "module" });
  const got = await new Promise((r) => worker.onmessage = (e) => r(e.data));
  worker.terminate();
  graph.revoke();
  assertEquals(got, "bcc");
});

Deno.test("blob modules: a missing module, a cycle and a run-time relative import are refused", () => {
  const refused = (sources: Record<string, string>, part: string) => {
    try {
      blobModuleGraph(sources, "file:///m/a.ts");
    } catch (e) {
      assertTrue((e as Error).message.includes(part), (e as Error).message);
      return;
    }
    throw new Error(`not refused: ${part}`);
  };
  refused({ "file:///m/a.ts": 'import "./gone.ts";\n' }, "file:///m/gone.ts");
  refused({
    "file:///m/a.ts": 'import { b } from "./b.ts";\n',
    "file:///m/b.ts": 'import { a } from "./a.ts";\n',
  }, "cycle");
  refused({ "file:///m/a.ts": 'const m = await import("./b.ts");\n' }, "run time");
});

/** The local modules of `entry`'s graph and the packages it names (`deno info`). */
async function moduleGraph(entry: string): Promise<{ local: string[]; packages: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; dependencies?: { specifier: string }[] }[];
  };
  const local = graph.modules.filter((m) => m.specifier.startsWith("file:"));
  const named = local.flatMap((m) => (m.dependencies ?? []).map((d) => d.specifier));
  return {
    local: local.map((m) => m.specifier).sort(),
    packages: [...new Set(named.filter((s) => s.startsWith("npm:")))],
  };
}

/** Each listed source's relative imports stay inside the list. */
function assertClosed(list: readonly string[]): void {
  for (const url of list) {
    for (const spec of relativeImports(Deno.readTextFileSync(new URL(url)))) {
      assertTrue(list.includes(new URL(spec, url).href), `${url} → ${spec}`);
    }
  }
}

Deno.test("the check worker's text sources are its whole module graph (deno info)", async () => {
  const g = await moduleGraph(new URL("../../lib/validate/_check_worker.ts", import.meta.url).href);
  assertEquals([...CHECK_WORKER_MODULES].sort(), g.local);
  assertEquals(g.packages, []);
  assertClosed(CHECK_WORKER_MODULES);
});

Deno.test("the segment writer thread's text sources are its whole graph; hash-wasm is its one package", async () => {
  const entry = new URL("../../lib/index/_segment_write_worker.ts", import.meta.url).href;
  const g = await moduleGraph(entry);
  assertEquals([...SEGMENT_WORKER_MODULES].sort(), g.local);
  assertEquals(g.packages, [HASH_WASM]);
  assertClosed(SEGMENT_WORKER_MODULES);
});
