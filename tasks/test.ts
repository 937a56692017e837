/**
 * `deno task test [PATH…] [deno test flags]`: runs the test suite with
 * TMPDIR pointing at a fresh directory of its own and removes that directory
 * when the run ends (also on Ctrl-C). The suite generates chains, archives
 * and S3 buckets in temporary directories — several GiB per run — and this
 * keeps them from piling up in the system's temporary directory.
 *
 * With no PATH it runs everything (`tests/ lib/ mod.ts`, doc examples
 * included); with PATHs, only those; flags such as `--filter NAME` go
 * through. The exit code is `deno test`'s.
 *
 * @module
 */

import { pathExists } from "../lib/store/local_store.ts";

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net=127.0.0.1",
  "--allow-env=BLKPIPE_REQUIRE_REAL_DATA,BLKPIPE_REQUIRE_PAR2,BLKPIPE_TEST_SEEDS",
  "--allow-run",
];
const EVERYTHING = ["tests/", "lib/", "mod.ts"];

/**
 * The `deno test` arguments for the task's arguments: they are passed on in
 * order, and when none of them names an existing file or directory the whole
 * suite is added.
 */
export function testArgs(args: readonly string[]): string[] {
  const rest = args.filter((a) => a !== "--");
  const named = rest.some((a) => !a.startsWith("-") && pathExists(a));
  return ["test", "--doc", ...PERMISSIONS, ...rest, ...(named ? [] : EVERYTHING)];
}

if (import.meta.main) {
  const tmp = Deno.makeTempDirSync({ prefix: "blkpipe-tests-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: testArgs(Deno.args),
    env: { TMPDIR: tmp },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const interrupt = () => {
    try {
      child.kill("SIGINT");
    } catch { /* already gone */ }
  };
  Deno.addSignalListener("SIGINT", interrupt);
  const { code } = await child.status;
  Deno.removeSignalListener("SIGINT", interrupt);
  await removeTree(tmp);
  Deno.exit(code);
}

/** Removes `dir`; a failure is reported, not fatal (the tests' result stands). */
async function removeTree(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch (e) {
    console.error(`tests: could not remove ${dir}: ${(e as Error).message}`);
  }
}
