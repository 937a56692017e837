/**
 * Debian's `par2` for interop tests: present, or a visible skip — or a
 * failure when BLKPIPE_REQUIRE_PAR2=1 (as in CI).
 *
 * @module
 */

/** True when `par2` runs here. */
export function hasPar2(): boolean {
  try {
    return new Deno.Command("par2", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/** Registers a test that needs `par2`. */
export function par2Test(name: string, fn: () => Promise<void> | void): void {
  const available = hasPar2();
  const required = Deno.env.get("BLKPIPE_REQUIRE_PAR2") === "1";
  if (!available && !required) {
    console.warn(`[par2] skipping "${name}": install Debian's par2 (apt-get install -y par2)`);
  }
  Deno.test({
    name: `[par2] ${name}`,
    ignore: !available && !required,
    fn: available ? fn : () => {
      throw new Error("par2 is required (BLKPIPE_REQUIRE_PAR2=1) but not installed");
    },
  });
}

/** Runs par2 with `args`; returns its exit code and output. */
export async function par2(args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("par2", {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(cwd ? { cwd } : {}),
  })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}
