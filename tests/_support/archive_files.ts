/**
 * Helpers for archive tests: read every file of an archive directory, and
 * compare two archives byte for byte.
 *
 * @module
 */

import { assertEquals } from "./assert.ts";

/** path (relative) → bytes, for every regular file under `dir`. */
export function readTree(dir: string, prefix = ""): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) { for (const [k, v] of readTree(dir, rel)) out.set(k, v); }
    else if (e.isFile) out.set(rel, Deno.readFileSync(`${dir}/${rel}`));
  }
  return out;
}

/** Copies every regular file under `from` to the same path under `to`; returns `to`. */
export function copyTree(from: string, to: string): string {
  for (const [rel, bytes] of readTree(from)) {
    Deno.mkdirSync(`${to}/${rel}`.replace(/\/[^/]+$/, ""), { recursive: true });
    Deno.writeFileSync(`${to}/${rel}`, bytes);
  }
  return to;
}

/** The chain index files under `dir/index` (no temporaries), sorted by path. */
export function indexFiles(dir: string): Array<[string, Uint8Array]> {
  return [...readTree(`${dir}/index`)].filter(([k]) => !k.endsWith(".tmp")).sort(([a], [b]) =>
    a < b ? -1 : 1
  );
}

/**
 * Asserts that two archive directories hold the same files with the same bytes, leaving out the
 * paths `ignore` names (files that legitimately differ between the two runs compared).
 */
export function assertSameArchive(
  actual: string,
  expected: string,
  what: string,
  ignore: (path: string) => boolean = () => false,
): void {
  // The writer lock holds the last writer's pid (or nothing): not archive data.
  const kept = (dir: string) =>
    new Map([...readTree(dir)].filter(([k]) => k !== "writer.lock" && !ignore(k)));
  const a = kept(actual), b = kept(expected);
  assertEquals([...a.keys()].sort(), [...b.keys()].sort(), `${what}: file list`);
  for (const [k, v] of b) {
    const got = a.get(k)!;
    if (got.length !== v.length || got.some((x, i) => x !== v[i])) {
      throw new Error(`${what}: ${k} differs (${got.length} vs ${v.length} bytes)`);
    }
  }
}

/** Runs a blkpipe CLI script in a subprocess with the given permission flags (and `env` added). */
export function cliCommand(
  script: string,
  perms: string[],
  args: string[],
  env: Record<string, string> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...perms,
      new URL(`../../cli/${script}`, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  });
}
