/**
 * One parity job in its own process (so the benchmark can read its peak
 * RSS): `create DIR NAME SLICES REDUNDANCY FILE…` makes a recovery set over
 * FILEs aiming at SLICES input slices; `repair DIR NAME` repairs it.
 *
 * @module
 */

import { sliceLayout } from "../lib/parity/archive_parity.ts";
import { createRecoverySet } from "../lib/parity/par2_create.ts";
import { repairSet } from "../lib/parity/par2_repair.ts";
import { loadRecoverySet, scanFiles } from "../lib/parity/par2_set.ts";

const [op, dir, name, slices, redundancy, ...files] = Deno.args;
if (op === "create") {
  const sizes = files.map((f) => Deno.statSync(`${dir}/${f}`).size);
  const layout = sliceLayout(sizes, Number(redundancy), Number(slices));
  const made = await createRecoverySet({
    dir: dir!,
    name: name!,
    files,
    sliceSize: layout.sliceSize,
    recovery: layout.recovery,
  });
  console.log(JSON.stringify({ ...layout, files: made.files }));
} else if (op === "repair") {
  const set = loadRecoverySet(dir!, name!);
  console.log(JSON.stringify(repairSet(set, scanFiles(set))));
} else throw new Error("usage: parity_job.ts create|repair …");
