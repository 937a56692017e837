import { assertEquals, assertRejects, assertTrue } from "../_support/assert.ts";
import { openArchiveTarget } from "../../lib/archive/archive_target.ts";
import type { FrameJob } from "../../lib/archive/frame_job.ts";
import { ARCHIVE_PATHS } from "../../lib/archive/manifest.ts";
import {
  OPEN_FRAME_ENTRY_SIZE,
  OPEN_FRAMES_HEADER_SIZE,
  OPEN_FRAMES_PATH,
  readOpenFrames,
} from "../../lib/archive/open_frames.ts";
import { decodeResumeState } from "../../lib/archive/resume_record.ts";
import { NETWORKS } from "../../lib/bitcoin/network.ts";
import type { OrderedBlock } from "../../lib/chain/chain_types.ts";
import { generateChain } from "../../lib/gen/chain_generator.ts";
import { writeBlocksDir } from "../../lib/gen/blocks_dir_writer.ts";
import { LocalStore } from "../../lib/store/local_store.ts";
import { streamPipeline } from "../_support/stream_pipeline.ts";
import { assertSameArchive } from "../_support/archive_files.ts";

const network = NETWORKS.regtest;
// One chunk of many small frames, a resume point after every frame.
const layout = { chunkPolicy: { blocks: 10_000 }, frameBytes: 8 << 10, parity: false as const };

const blocks = Deno.makeTempDirSync({ prefix: "blkpipe-open-frames-" });
writeBlocksDir(blocks, generateChain({ seed: 5, blocks: 400, targetBlockSize: 12_000 }), {
  seed: 5,
  maxFileSize: 1 << 20,
});

interface Seen {
  resumeBytes: number;
  frames: number;
}

/** Streams the blocks into `out`, a resume point after every frame; `failAt` breaks the run. */
async function run(out: string, seen: Seen[] = [], failAt = Infinity): Promise<void> {
  const store = new LocalStore(out);
  const target = await openArchiveTarget(store, { network, ...layout });
  const from = target.position.nextHeight;
  const window = new TransformStream<OrderedBlock, OrderedBlock>({
    transform(b, c) {
      if (b.height >= from) c.enqueue(b);
    },
  });
  const resumePoints = new TransformStream<FrameJob, FrameJob>({
    async transform(job, c) {
      // Broken off here, behind compression, so that the frames before it reach the sink.
      if (job.firstHeight >= failAt) throw new Error(`stream failed at height ${failAt}`);
      const text = await store.read(ARCHIVE_PATHS.state);
      const s = decodeResumeState(new TextDecoder().decode(text!), "resume.json");
      if (s.open && typeof s.open.frames === "number") { // (version 1 in the test below)
        const count = s.open.frames;
        // The list on disk holds at least the frames the record counts (more once appended).
        const size = (await store.size(OPEN_FRAMES_PATH))!;
        assertTrue(size >= OPEN_FRAMES_HEADER_SIZE + count * OPEN_FRAME_ENTRY_SIZE, `${size}`);
        assertEquals((await readOpenFrames(store, s.open.id, count)).length, count);
        seen.push({ resumeBytes: text!.length, frames: count });
      }
      c.enqueue({ ...job, checkpoint: { frame: job.firstHeight } });
    },
  });
  await streamPipeline(blocks, target, network, window, resumePoints);
}

function sameFiles(actual: string, expected: string): void {
  assertSameArchive(actual, expected, "resumed vs uninterrupted", (k) => k.startsWith("state/"));
}

Deno.test("resume records count the open chunk's frames: their size does not grow with the chunk", async () => {
  const out = Deno.makeTempDirSync({ prefix: "blkpipe-open-frames-out-" });
  const seen: Seen[] = [];
  await run(out, seen);
  const frames = seen.map((s) => s.frames), sizes = seen.map((s) => s.resumeBytes);
  assertTrue(Math.max(...frames) > 250, `only ${Math.max(...frames)} frames`);
  // Only the numbers' digits change (the record listed 40+ bytes per frame before).
  assertTrue(Math.max(...sizes) - Math.min(...sizes) < 60, `resume.json ${sizes}`);
  // The run ended by sealing the open tail: no record names the list, and it is gone.
  assertEquals(await new LocalStore(out).size(OPEN_FRAMES_PATH), null);
});

Deno.test("a run broken off resumes from the frame list; a version-1 record (frames listed) too", async () => {
  const base = Deno.makeTempDirSync({ prefix: "blkpipe-open-frames-resume-" });
  await run(`${base}/ref`);
  for (const version of [2, 1]) {
    const out = `${base}/v${version}`;
    await assertRejects(() => run(out, [], 250), /height 250/);
    const store = new LocalStore(out);
    const text = new TextDecoder().decode((await store.read(ARCHIVE_PATHS.state))!);
    const s = decodeResumeState(text, "resume.json");
    assertTrue(s.open !== null && (s.open.frames as number) > 100, text.slice(0, 200));
    if (version === 1) {
      // As an older blkpipe left it: the frames in the record, no list file.
      const frames = await readOpenFrames(store, s.open!.id, s.open!.frames as number);
      await store.replace(
        ARCHIVE_PATHS.state,
        JSON.stringify({ ...s, version: 1, open: { ...s.open, frames } }),
      );
      await store.remove(OPEN_FRAMES_PATH);
    }
    // Frames appended after the last record are beyond it: the resume cuts them off.
    await run(out);
    sameFiles(out, `${base}/ref`);
  }
});

Deno.test("a damaged frame list is refused in one line naming it", async () => {
  const out = Deno.makeTempDirSync({ prefix: "blkpipe-open-frames-bad-" });
  await assertRejects(() => run(out, [], 100), /height 100/);
  const path = `${out}/${OPEN_FRAMES_PATH}`;
  Deno.truncateSync(path, OPEN_FRAMES_HEADER_SIZE + 3);
  await assertRejects(() => run(out), /open-frames\.bin: 19 bytes, the resume record needs/);
});
