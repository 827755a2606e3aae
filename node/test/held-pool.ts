import type { NodeMessage } from "@medusa/core";
import type { ChunkOutcome, ChunkRunner } from "../src/agent/agent.ts";
import type { GatewayConn } from "@medusa/testing/node-gateway";

/** Test helpers for the agent: a pool whose chunks finish when the test says so, to drive the agent's timing exactly. */
export class HeldPool implements ChunkRunner {
  readonly calls: Array<{ jobId: string; items: unknown[]; finish: (o: ChunkOutcome) => void; done: boolean }> = [];
  readonly dropped: string[] = [];
  closed = false;
  run(job: { jobId: string }, chunk: { items: unknown[] }): Promise<ChunkOutcome> {
    return new Promise((resolve) => {
      const call = { jobId: job.jobId, items: chunk.items, done: false, finish: (o: ChunkOutcome) => ((call.done = true), resolve(o)) };
      this.calls.push(call);
    });
  }
  get busy() {
    return this.calls.filter((c) => !c.done).length;
  }
  dropJob(jobId: string) {
    this.dropped.push(jobId);
  }
  async close() {
    this.closed = true;
  }
}

export const PROGRAM = { runtime: "python" as const, source: "def map(x):\n    return x * 2\n" };
export const chunk = (jobId: string, index: number, items: unknown[] = [index]) => ({
  type: "chunk" as const,
  chunk: { jobId, index, token: `tok-${jobId}-${index}`, task: "map" as const, items },
});
export const ofType = <T extends NodeMessage["type"]>(conn: GatewayConn, type: T) =>
  conn.received.filter((m): m is Extract<NodeMessage, { type: T }> => m.type === type);
/** Credit the node has granted on this connection: the sum of its `want`s. */
export const wanted = (conn: GatewayConn) => ofType(conn, "want").reduce((sum, m) => sum + m.n, 0);
