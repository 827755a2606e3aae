import type Redis from "ioredis";
import type { ChunkKeys } from "./redis-keys.ts";

/** Reading a job's accepted results from Redis: map chunks in index order, and the reduce chunk's value. */
export async function readResults(redis: Redis, keys: ChunkKeys, jobId: string, from: number, limit: number): Promise<Array<{ index: number; results: string }>> {
  const maps = Number(await redis.hget(keys.job(jobId), "maps"));
  const start = Math.max(0, from);
  const stop = Math.min(maps, from + limit);
  if (!(stop > start)) return [];
  const pipeline = redis.pipeline();
  for (let i = start; i < stop; i++) pipeline.hmget(keys.chunk(jobId, i), "state", "results");
  const replies = (await pipeline.exec()) ?? [];
  return replies.flatMap(([err, fields], i) => {
    if (err) throw err;
    const [state, results] = fields as Array<string | null>;
    return state === "done" && results != null ? [{ index: start + i, results }] : [];
  });
}

export async function readReduceResult(redis: Redis, keys: ChunkKeys, jobId: string): Promise<string | null> {
  const [hasReduce, sealed, maps] = await redis.hmget(keys.job(jobId), "hasReduce", "sealed", "maps");
  if (hasReduce !== "1" || sealed !== "1") return null;
  const [state, results] = await redis.hmget(keys.chunk(jobId, Number(maps)), "state", "results");
  return state === "done" ? results : null;
}
