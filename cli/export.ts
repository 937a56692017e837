/**
 * `deno task export`: streams a height range as linearized blk records
 * (`[magic][len][block]`) to stdout — what Bitcoin Core's `-loadblock`
 * reads.
 *
 * @module
 */

import { ArchiveReader } from "../lib/archive/archive_reader.ts";
import { consoleIo, intFlag, type Io, parse, runCommand, UsageError } from "./_common.ts";

const USAGE = `usage: deno task export --archive DIR [--from H] [--to H] > blocks.dat

Writes blocks from..to (default: the whole archive) as blk records to stdout.`;

/** Runs the command; returns the exit code. */
export function main(
  args: string[],
  io: Io = consoleIo,
  sink: (b: Uint8Array) => void = writeStdout,
): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parse(args, {
      archive: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
    });
    if (!values.archive) throw new UsageError("--archive is required");
    const reader = await ArchiveReader.open(values.archive);
    try {
      const from = intFlag(values.from, "from", reader.startHeight);
      const to = intFlag(values.to, "to", reader.tipHeight);
      if (from < reader.startHeight || to > reader.tipHeight || from > to) {
        throw new UsageError(
          `range ${from}..${to} is outside the archive (${reader.startHeight}..${reader.tipHeight})`,
        );
      }
      for (let h = from; h <= to; h++) sink(await reader.readRecord(h));
      return 0;
    } finally {
      reader.close();
    }
  }, io);
}

function writeStdout(b: Uint8Array): void {
  let done = 0;
  while (done < b.length) done += Deno.stdout.writeSync(b.subarray(done));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
