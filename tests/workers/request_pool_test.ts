import { assertEquals, assertTrue } from "../_support/assert.ts";
import { type PoolReply, RequestPool } from "../../lib/workers/request_pool.ts";

// Each worker answers with a token of its own after busy-waiting `ms`.
const SOURCE = `
const token = crypto.randomUUID();
self.onmessage = (e) => {
  const end = performance.now() + e.data.ms;
  while (performance.now() < end);
  self.postMessage({ id: e.data.id, token });
};
`;

interface Reply extends PoolReply {
  token: string;
}

Deno.test("requests go to the least busy worker, not blindly in turn", async () => {
  const url = URL.createObjectURL(new Blob([SOURCE], { type: "application/javascript" }));
  const pool = new RequestPool<Reply>(url, 2, "test");
  try {
    const slow = pool.request({ ms: 400 }, []); // request 0 → worker 0, busy for a while
    const quick = await pool.request({ ms: 1 }, []); // request 1 → worker 1
    // In turn, request 2 would go to worker 0, behind the slow one; it goes to idle worker 1.
    const next = await pool.request({ ms: 1 }, []);
    assertEquals(next.token, quick.token);
    assertTrue((await slow).token !== quick.token);
    // Once both are idle again, ties go in turn: both workers answer.
    const tokens = new Set((await Promise.all([0, 1].map(() => pool.request({ ms: 50 }, []))))
      .map((r) => r.token));
    assertEquals(tokens.size, 2);
  } finally {
    pool.close();
    URL.revokeObjectURL(url);
  }
});
