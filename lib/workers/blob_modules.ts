/**
 * Workers whose modules need no read permission. Deno asks for read access
 * to every module file a Worker loads, while the main program's own static
 * imports need none — also text imports (`with { type: "text" }`). So a
 * program that imported its worker's module sources as text can start the
 * worker from those: each module becomes a `blob:` URL (TypeScript, which
 * Deno transpiles as it loads it) whose relative imports are rewritten to
 * the blob URLs of their targets, dependencies first. A package the modules
 * import by name (`npm:…`) can be given as source text too ("externals").
 *
 * @module
 */

/** A graph of modules as blob URLs, entry first to use; revoke them when the workers are gone. */
export interface BlobModules {
  /** The entry module's blob URL (pass it to `new Worker(url, { type: "module" })`). */
  url: string;
  /** Releases every blob URL of the graph. */
  revoke(): void;
}

/**
 * Top-level import and export statements' specifiers (a statement starts a line; the ones inside
 * doc comments, which start with " * ", are not code).
 */
const STATEMENT = /^(?:(?:import|export)\b[^;]*?\bfrom\s*|import\s*)"([^"]+)"/gm;

/** The relative specifiers `source` imports or re-exports at its top level. */
export function relativeImports(source: string): string[] {
  return [...source.matchAll(STATEMENT)].map((m) => m[1]!).filter((s) => s.startsWith("."));
}

/**
 * Turns `sources` (module URL → TypeScript source text) into blob URLs, starting from `entry`.
 * Every relative import of a module reached must be in `sources` (it names the one missing), and
 * the graph must have no cycle; `import()` of a relative path is refused (it would be read from
 * disk). `externals` (an exact specifier such as `npm:pkg@1.0.0` → JavaScript module text) stand
 * in for packages; other non-relative specifiers (`node:fs`) are left as they are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blobModuleGraph } from "./blob_modules.ts";
 * const graph = blobModuleGraph({
 *   "file:///m/a.ts": 'import { two } from "./b.ts";\nself.postMessage(two() + 1);\n',
 *   "file:///m/b.ts": "export function two(): number {\n  return 2;\n}\n",
 * }, "file:///m/a.ts");
 * const worker = new Worker(graph.url, { type: "module" });
 * const got = await new Promise((r) => worker.onmessage = (e) => r(e.data));
 * worker.terminate();
 * graph.revoke();
 * assert.equal(got, 3);
 * ```
 */
export function blobModuleGraph(
  sources: Record<string, string>,
  entry: string,
  externals: Record<string, string> = {},
): BlobModules {
  const urls = new Map<string, string>();
  const visiting = new Set<string>();
  const made: string[] = [];
  const blob = (text: string, type: string) => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    made.push(url);
    return url;
  };
  const external = (spec: string): string => {
    let url = urls.get(spec);
    if (!url) urls.set(spec, url = blob(externals[spec]!, "application/javascript"));
    return url;
  };
  const build = (module: string): string => {
    const done = urls.get(module);
    if (done) return done;
    const source = sources[module];
    if (source === undefined) throw new Error(`blob modules: no source for ${module}`);
    if (visiting.has(module)) throw new Error(`blob modules: an import cycle through ${module}`);
    if (/\bimport\(\s*["']\./.test(source)) {
      throw new Error(`blob modules: ${module} imports a relative path at run time`);
    }
    visiting.add(module);
    const text = source.replace(STATEMENT, (statement, spec: string) => {
      if (spec in externals) return statement.replace(`"${spec}"`, `"${external(spec)}"`);
      if (!spec.startsWith(".")) return statement;
      const target = new URL(spec, module).href;
      if (!(target in sources)) {
        throw new Error(
          `blob modules: ${module} imports ${target}, which is not among the sources`,
        );
      }
      return statement.replace(`"${spec}"`, `"${build(target)}"`);
    });
    visiting.delete(module);
    const url = blob(text, "application/typescript");
    urls.set(module, url);
    return url;
  };
  try {
    return { url: build(entry), revoke: () => made.forEach((u) => URL.revokeObjectURL(u)) };
  } catch (e) {
    made.forEach((u) => URL.revokeObjectURL(u));
    throw e;
  }
}

/** A worker's modules as text, kept to be made into blob URLs when first needed. */
export interface WorkerSources {
  /** The modules' absolute URLs (the worker's whole graph but its packages), for tests. */
  readonly modules: readonly string[];
  /** The entry's blob URL: the graph is made on the first call and kept (workers may start later). */
  url(): string;
}

/**
 * `sources` (paths relative to `base`, an `import.meta.url` → source text) with `entry` (relative
 * too) as a {@link blobModuleGraph} made on first use: what a `*_worker_sources.ts` module exports.
 */
export function workerSources(
  base: string,
  sources: Record<string, string>,
  entry: string,
  externals: Record<string, string> = {},
): WorkerSources {
  const absolute: Record<string, string> = {};
  for (const [path, text] of Object.entries(sources)) absolute[new URL(path, base).href] = text;
  let graph: BlobModules | undefined;
  return {
    modules: Object.keys(absolute),
    url: () => (graph ??= blobModuleGraph(absolute, new URL(entry, base).href, externals)).url,
  };
}
