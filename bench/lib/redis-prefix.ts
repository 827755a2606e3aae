import type Redis from "ioredis";

/** Deletes every key under `prefix` in batches (SCAN, never KEYS: the Redis may be shared); returns how many. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error("dropPrefix needs a non-empty prefix");
  let dropped = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 2000);
    cursor = next;
    if (keys.length > 0) dropped += await redis.unlink(...keys);
  } while (cursor !== "0");
  return dropped;
}
