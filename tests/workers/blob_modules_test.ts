import { assertEquals, assertTrue } from "../_support/assert.ts";
import { blobModuleGraph, relativeImports } from "../../lib/workers/blob_modules.ts";
import { CHECK_WORKER_MODULES } from "../../lib/validate/check_worker_sources.ts";

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

Deno.test("the check worker's text sources are its whole module graph (deno info)", async () => {
  const entry = new URL("../../lib/validate/_check_worker.ts", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const local = graph.modules.map((m) => m.specifier).filter((s) => s.startsWith("file:")).sort();
  assertEquals([...CHECK_WORKER_MODULES].sort(), local);
  // And each source's own relative imports stay inside the list.
  for (const url of CHECK_WORKER_MODULES) {
    const text = Deno.readTextFileSync(new URL(url));
    for (const spec of relativeImports(text)) {
      assertTrue(CHECK_WORKER_MODULES.includes(new URL(spec, url).href), `${url} → ${spec}`);
    }
  }
});
