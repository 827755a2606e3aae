import type Redis from "ioredis";
import { z } from "zod";
import type { BatchTransition, ChunkResult } from "@medusa/core";
import type { ChunkKeys } from "./redis-keys.ts";
import { decodeReply, resultOf, runScript } from "./redis-scripts.ts";

/** Per result, what complete-chunks.lua says: its code, and with code 0 its outcome and the nodes caught. */
const Outcomes = z.array(z.tuple([z.number().int(), z.string(), z.string()]));
const Accepted = z.enum(["accepted", "pending", "rejected"]);
const Caught = z.array(z.string());

/**
 * A node's batch of results in one script call (complete-chunks.lua). The
 * results are grouped by node, since the script takes one node's batch;
 * a gateway's batch is one node's, so this is one call in practice.
 */
export async function completeChunks(redis: Redis, prefix: string, keys: ChunkKeys, maxEvents: number, results: ChunkResult[], now: number): Promise<BatchTransition> {
  const out: BatchTransition = { events: [], queued: 0, completed: [] };
  for (const batch of byNode(results)) {
    const args = batch.flatMap((r) => [r.jobId, r.index, r.token, r.results, r.hash ?? r.results]);
    const reply = await runScript(redis, "complete-chunks", [keys.queue, keys.leases], [prefix, batch[0]!.nodeId, now, maxEvents, ...args]);
    const { events, queued, rest } = decodeReply(reply);
    const outcomes = Outcomes.parse(JSON.parse(z.string().parse(rest[0])));
    if (outcomes.length !== batch.length) throw new Error(`complete-chunks answered ${outcomes.length} outcomes for ${batch.length} results`);
    out.events.push(...events);
    out.queued += queued;
    outcomes.forEach(([code, outcome, caught], i) => {
      const result = resultOf(code, batch[i]!.jobId);
      if (result === "ok") out.completed.push({ outcome: Accepted.parse(outcome), disagreed: Caught.parse(JSON.parse(caught)) });
      else out.completed.push({ outcome: result, disagreed: [], ...(outcome === "settled" ? { settled: true as const } : {}) });
    });
  }
  return out;
}

/** Consecutive runs of one node's results, in order (the outcomes must line up with the input). */
function byNode(results: ChunkResult[]): ChunkResult[][] {
  const runs: ChunkResult[][] = [];
  for (const r of results) {
    const last = runs.at(-1);
    if (last && last[0]!.nodeId === r.nodeId) last.push(r);
    else runs.push([r]);
  }
  return runs;
}
