/**
 * For tests that mount a small tmpfs (a full disk, a noatime file system):
 * whether this process runs as root, and `mount` / `umount` that report
 * failure instead of throwing.
 *
 * @module
 */

/** Runs `mount` (or `umount`) with `args`; true when it succeeded. */
export function mount(args: string[], command = "mount"): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** This process runs as root (from `id -u`: `Deno.uid` would need --allow-sys). */
export const isRoot: boolean = (() => {
  try {
    const out = new Deno.Command("id", { args: ["-u"], stdout: "piped" }).outputSync();
    return new TextDecoder().decode(out.stdout).trim() === "0";
  } catch {
    return false;
  }
})();
