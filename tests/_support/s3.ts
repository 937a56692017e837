/**
 * The tests' S3: a local `s3rver` in its own process on a free loopback
 * port, the environment and permissions a CLI needs to reach it.
 *
 * @module
 */

/** A running local S3 server. */
export interface LocalS3 {
  port: number;
  /** Where it keeps the objects. */
  dir: string;
  /** The AWS_* variables for it. */
  env: Record<string, string>;
  /** The permission flags a CLI needs for it. */
  perms: string[];
  /** Kills it (SIGKILL) and removes its objects unless `keep`. */
  stop(o?: { keep?: boolean }): Promise<void>;
}

/** Starts a server with `buckets` (on the objects in `dir` when given); stop it after. */
export async function startS3(buckets: string[], o: { dir?: string } = {}): Promise<LocalS3> {
  const dir = o.dir ?? Deno.makeTempDirSync({ prefix: "blkpipe-s3rver-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "-A",
      new URL("./s3_server.ts", import.meta.url).pathname,
      dir,
      ...buckets,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error("s3rver did not start");
    text += new TextDecoder().decode(r.value);
  }
  reader.releaseLock();
  const port = JSON.parse(text.split("\n")[0]!).port as number;
  return {
    port,
    dir,
    env: {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
    },
    perms: [
      `--allow-net=127.0.0.1:${port}`,
      "--allow-env=AWS_ENDPOINT_URL,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY,AWS_SESSION_TOKEN,AWS_REGION",
    ],
    async stop(o = {}) {
      child.kill("SIGKILL");
      await child.stdout.cancel().catch(() => {});
      await child.status;
      if (!o.keep) Deno.removeSync(dir, { recursive: true });
    },
  };
}
