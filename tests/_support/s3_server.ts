/**
 * A local S3 API server for tests and benchmarks (npm `s3rver`, objects on
 * the local file system), run in its own process: `deno run -A
 * s3_server.ts DIR BUCKET...` prints `{"port":N}` once listening and
 * serves until killed. Access key `S3RVER`, secret `S3RVER`.
 *
 * @module
 */

import S3rver from "s3rver";

const [dir, ...buckets] = Deno.args;
const server = new S3rver({
  port: 0,
  address: "127.0.0.1",
  silent: true,
  directory: dir!,
  configureBuckets: buckets.map((name) => ({ name })),
});
const info = await server.run();
console.log(JSON.stringify({ port: info.port }));
