/**
 * `deno task segment <build|get|stats|merge|check>`: tools for segment
 * files (the sorted key-value runs behind blkpipe's indexes).
 *
 * @module
 */

import { fromHex, toHex } from "../lib/bytes/hex.ts";
import { SegmentBuilder } from "../lib/segment/build_segment.ts";
import { checkSegment } from "../lib/segment/check_segment.ts";
import { mergeSources } from "../lib/segment/memory_run.ts";
import { Segment } from "../lib/segment/segment.ts";
import { FLAG_UTXO } from "../lib/segment/segment_format.ts";
import { SegmentWriter } from "../lib/segment/segment_writer.ts";
import {
  encodeUtxoEntry,
  OP_ADD,
  OP_DELETE,
  resolveUtxo,
  UTXO_ABSENT,
  UTXO_ENTRY_WIDTH,
  UTXO_KEY_WIDTH,
  UTXO_SORT_WIDTH,
  UTXO_SPENT,
  utxoHeight,
  utxoOp,
  utxoValueId,
} from "../lib/segment/utxo_entry.ts";
import { mergeFiltered, segmentSource } from "../lib/segment/utxo_merge.ts";
import { consoleIo, intFlag, type Io, parse, runCommand, sizeFlag, UsageError } from "./_common.ts";

const USAGE = `usage: deno task segment <command> [options]

  build --out FILE --in FILE --format bin|csv|utxo-csv [--key-width N --value-width N]
        [--memory SIZE]      sorted segment from unsorted input (sorted runs spill to disk)
          bin:      fixed-width entries, key first (needs --key-width and --value-width)
          csv:      one "KEYHEX,VALUEHEX" per line
          utxo-csv: one "TXID,VOUT,HEIGHT,add|delete,VALUEID" per line (UTXO flavour)
  get FILE KEY [--since H] [--before H]
                             entries of KEY (hex; for UTXO segments TXID:VOUT) as JSON
  stats FILE...              header and footer only (what opening a segment reads)
  merge --out FILE [--gc-height H] FILE...
                             k-way merge; UTXO segments drop same-height add+delete pairs,
                             and with --gc-height outputs spent below H
  check FILE...              read everything: order, checksum, bloom filter, directory`;

/** Runs the command; returns the exit code. */
export function main(args: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(USAGE, async () => {
    const [cmd, ...rest] = args;
    switch (cmd) {
      case "build":
        return await build(rest, io);
      case "get":
        return await get(rest, io);
      case "stats":
        return await stats(rest, io);
      case "merge":
        return await merge(rest, io);
      case "check":
        return await check(rest, io);
      case "--help":
      case "-h":
        io.out(USAGE);
        return 0;
      default:
        throw new UsageError(cmd ? `unknown command ${cmd}` : "a command is required");
    }
  }, io);
}

async function* lines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const p of parts) if (p.trim()) yield p.trim();
  }
  if (rest.trim()) yield rest.trim();
}

async function build(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    out: { type: "string" },
    in: { type: "string" },
    format: { type: "string" },
    "key-width": { type: "string" },
    "value-width": { type: "string" },
    memory: { type: "string" },
  });
  if (!values.out || !values.in) throw new UsageError("build needs --out and --in");
  const format = values.format ?? "bin";
  const memory = sizeFlag(values.memory, "memory", 64 << 20);
  const t0 = performance.now();
  let builder: SegmentBuilder;
  if (format === "utxo-csv") {
    builder = new SegmentBuilder(values.out, {
      keyWidth: UTXO_KEY_WIDTH,
      sortWidth: UTXO_SORT_WIDTH,
      entryWidth: UTXO_ENTRY_WIDTH,
      flags: FLAG_UTXO,
    }, memory);
    const entry = new Uint8Array(UTXO_ENTRY_WIDTH), key = new Uint8Array(UTXO_KEY_WIDTH);
    let n = 0;
    for await (const line of lines(values.in)) {
      n++;
      const [txid, vout, height, op, id] = line.split(",");
      if (
        !txid || txid.length !== 64 || vout === undefined || height === undefined || !op ||
        id === undefined
      ) {
        throw new UsageError(
          `${values.in} line ${n}: expected TXID,VOUT,HEIGHT,add|delete,VALUEID`,
        );
      }
      key.set(fromHex(txid).reverse());
      new DataView(key.buffer).setUint32(32, Number(vout), false);
      encodeUtxoEntry(
        entry,
        0,
        key,
        0,
        Number(height),
        op === "delete" ? OP_DELETE : OP_ADD,
        Number(id),
      );
      await builder.add(entry);
    }
  } else if (format === "csv") {
    let b: SegmentBuilder | undefined;
    let entry = new Uint8Array(0);
    let kw = 0;
    for await (const line of lines(values.in)) {
      const [k, v = ""] = line.split(",");
      const key = fromHex(k!), value = fromHex(v);
      if (!b) {
        kw = key.length;
        entry = new Uint8Array(key.length + value.length);
        b = new SegmentBuilder(values.out, {
          keyWidth: kw,
          sortWidth: kw,
          entryWidth: entry.length,
        }, memory);
      }
      if (key.length + value.length !== entry.length || key.length !== kw) {
        throw new UsageError(`${values.in}: every line needs the same key and value widths`);
      }
      entry.set(key);
      entry.set(value, kw);
      await b.add(entry);
    }
    if (!b) throw new UsageError(`${values.in} is empty`);
    builder = b;
  } else if (format === "bin") {
    const kw = intFlag(values["key-width"], "key-width", 0),
      vw = intFlag(values["value-width"], "value-width", 0);
    if (kw === 0) throw new UsageError("bin input needs --key-width (and --value-width)");
    const w = kw + vw;
    builder = new SegmentBuilder(
      values.out,
      { keyWidth: kw, sortWidth: kw, entryWidth: w },
      memory,
    );
    const file = await Deno.open(values.in, { read: true });
    let carry = new Uint8Array(0);
    for await (const chunk of file.readable) {
      let data = chunk;
      if (carry.length) {
        data = new Uint8Array(carry.length + chunk.length);
        data.set(carry);
        data.set(chunk, carry.length);
      }
      const whole = Math.floor(data.length / w);
      for (let i = 0; i < whole; i++) await builder.add(data, i * w);
      carry = data.slice(whole * w);
    }
    if (carry.length) throw new UsageError(`${values.in}: size is not a multiple of ${w} bytes`);
  } else throw new UsageError("--format must be bin, csv or utxo-csv");
  const n = await builder.finish();
  io.out(JSON.stringify({ out: values.out, entries: n, seconds: (performance.now() - t0) / 1000 }));
  return 0;
}

function parseKey(text: string, seg: Segment): Uint8Array {
  if (seg.header.flags & FLAG_UTXO) {
    const [txid, vout] = text.split(":");
    if (!txid || txid.length !== 64 || vout === undefined) {
      throw new UsageError("UTXO keys are TXID:VOUT");
    }
    const key = new Uint8Array(UTXO_KEY_WIDTH);
    key.set(fromHex(txid).reverse());
    new DataView(key.buffer).setUint32(32, Number(vout), false);
    return key;
  }
  const key = fromHex(text);
  if (key.length !== seg.header.keyWidth) {
    throw new UsageError(`keys of this segment are ${seg.header.keyWidth} bytes`);
  }
  return key;
}

async function get(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    since: { type: "string" },
    before: { type: "string" },
  });
  const [file, keyText] = positionals;
  if (!file || !keyText) throw new UsageError("get needs FILE and KEY");
  const seg = await Segment.open(file);
  try {
    const key = parseKey(keyText, seg);
    const found = seg.find(key);
    const w = seg.header.entryWidth;
    if (!found) {
      io.out(JSON.stringify({ key: keyText, found: false }));
      return 1;
    }
    if (seg.header.flags & FLAG_UTXO) {
      const since = intFlag(values.since, "since", 0);
      const before = values.before === undefined
        ? Number.POSITIVE_INFINITY
        : intFlag(values.before, "before", 0);
      const v = resolveUtxo(found.bytes, found.first, found.count, since, before);
      const events = [];
      for (let i = found.first; i < found.first + found.count; i++) {
        events.push({
          height: utxoHeight(found.bytes, i * w),
          op: utxoOp(found.bytes, i * w) === OP_ADD ? "add" : "delete",
          valueId: utxoValueId(found.bytes, i * w),
        });
      }
      io.out(JSON.stringify({
        key: keyText,
        state: v === UTXO_ABSENT ? "absent" : v === UTXO_SPENT ? "spent" : "unspent",
        valueId: v >= 0 ? v : null,
        events,
      }));
    } else {
      const entries = [];
      for (let i = found.first; i < found.first + found.count; i++) {
        entries.push(toHex(found.bytes.subarray(i * w + seg.header.keyWidth, (i + 1) * w)));
      }
      io.out(JSON.stringify({ key: keyText, values: entries }));
    }
    return 0;
  } finally {
    seg.close();
  }
}

async function stats(args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length === 0) throw new UsageError("stats needs FILE");
  for (const file of positionals) {
    const seg = await Segment.open(file);
    io.out(JSON.stringify({
      file,
      ...seg.header,
      utxo: (seg.header.flags & FLAG_UTXO) !== 0,
      fileBytes: seg.fileSize,
      openedBytes: seg.openedBytes,
      bloomBitsPerEntry: seg.count ? Number((seg.footer.bloomBits / seg.count).toFixed(2)) : 0,
      bloomProbes: seg.footer.bloomProbes,
      bloomLayout: seg.bloom!.layout,
      expectedFpr: seg.bloom!.expectedFpr(seg.count),
      buckets: seg.footer.bucketCount,
      entriesPerBucket: seg.footer.bucketEntries,
    }));
    seg.close();
  }
  return 0;
}

async function merge(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: "string" },
    "gc-height": { type: "string" },
  });
  if (!values.out || positionals.length === 0) {
    throw new UsageError("merge needs --out and input files");
  }
  const segs: Segment[] = [];
  try {
    for (const p of positionals) segs.push(await Segment.open(p));
    const h = segs[0]!.header;
    for (const s of segs) {
      if (
        s.header.entryWidth !== h.entryWidth || s.header.sortWidth !== h.sortWidth ||
        (s.header.flags & FLAG_UTXO) !== (h.flags & FLAG_UTXO)
      ) {
        throw new UsageError(`${s.path} has a different entry layout from ${segs[0]!.path}`);
      }
    }
    const writer = await SegmentWriter.create(values.out, {
      keyWidth: h.keyWidth,
      sortWidth: h.sortWidth,
      entryWidth: h.entryWidth,
      flags: h.flags,
      capacity: segs.reduce((n, s) => n + s.count, 0),
    });
    try {
      const sources = segs.map((s) => segmentSource(s));
      if (h.flags & FLAG_UTXO) {
        const gc = values["gc-height"] === undefined
          ? -1
          : intFlag(values["gc-height"], "gc-height", 0);
        mergeFiltered(sources, gc, (b, at) => writer.add(b, at));
      } else {
        if (values["gc-height"] !== undefined) {
          throw new UsageError("--gc-height applies to UTXO segments only");
        }
        mergeSources(sources, h.entryWidth, h.sortWidth, (b, at) => writer.add(b, at));
      }
      writer.finish();
    } catch (e) {
      writer.abandon();
      throw e;
    }
    io.out(JSON.stringify({ out: values.out, entries: writer.count, inputs: segs.length }));
    return 0;
  } finally {
    segs.forEach((s) => s.close());
  }
}

async function check(args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length === 0) throw new UsageError("check needs FILE");
  let bad = 0;
  for (const file of positionals) {
    const r = await checkSegment(file);
    for (const p of r.problems) io.out(`PROBLEM ${p}`);
    io.out(
      `${
        r.problems.length === 0 ? "OK" : `${r.problems.length} problem(s)`
      }: ${file} (${r.entries} entries)`,
    );
    if (r.problems.length) bad++;
  }
  return bad === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
