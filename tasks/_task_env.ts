/**
 * The environment that deno.json's `collect` and `index` tasks set before `deno run`, and that
 * the benchmarks give the processes they measure.
 *
 * glibc's malloc raises its mmap threshold each time a large mmapped block is freed (up to 32
 * MiB), after which the 1–2 MiB buffers of blocks and frames come from the heap arenas instead,
 * which fragment and grow over a long run. A fixed threshold keeps those buffers mmapped, given
 * back to the system when freed. Measured on this machine (`/usr/bin/time`, 6.34 GiB bench chain):
 * collect `--check full` peak RSS 423 → 369 MiB at the same speed (44.8 / 45.1 s); `index` on the
 * 1.26 GiB archive 888–896 → 836–858 MiB, 2–5% slower (more page faults). Other C libraries
 * ignore the variable.
 *
 * @module
 */

/** Variables (name → value) the `collect` and `index` tasks run with. */
export const TASK_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: "131072" };

/** `TASK_ENV` as the `NAME=value` prefix of a deno.json task. */
export function taskEnvPrefix(): string {
  return Object.entries(TASK_ENV).map(([k, v]) => `${k}=${v}`).join(" ");
}
