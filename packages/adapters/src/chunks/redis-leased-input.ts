import type Redis from "ioredis";
import { ChunkInput, isFinal, type JobState, type LeaseHolder } from "@medusa/core";
import type { ChunkKeys } from "./redis-keys.ts";

/**
 * The input of the chunk `holder` holds a live lease on, with its job's
 * owner, or null. Reads, not a transition: a lease that ends a moment after
 * this answered only means one item served late, to the node that held it.
 */
export async function leasedInput(redis: Redis, keys: ChunkKeys, holder: LeaseHolder, now: number): Promise<{ owner: string; input: ChunkInput } | null> {
  const replies = (await redis
    .pipeline()
    .hget(keys.replicas(holder.jobId, holder.index), holder.nodeId)
    .hget(keys.chunk(holder.jobId, holder.index), "input")
    .hmget(keys.job(holder.jobId), "owner", "state")
    .exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  const [entry, chunk, job] = replies.map(([, value]) => value) as [string | null, string | null, Array<string | null>];
  // A lease is "L|owner|token|expiresAt" in the chunk's replica hash (see redis-keys.ts).
  const [kind, , token, expiresAt] = entry?.split("|") ?? [];
  const [owner, state] = job;
  if (kind !== "L" || token !== holder.token || !(Number(expiresAt) > now)) return null;
  if (!owner || !state || isFinal(state as JobState) || chunk === null) return null;
  return { owner, input: ChunkInput.parse(JSON.parse(chunk)) };
}
