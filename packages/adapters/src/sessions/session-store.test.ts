import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import { RedisChunkStore } from "../chunks/redis-chunk-store.ts";
import { SqliteChunkStore } from "../chunks/sqlite-chunk-store.ts";
import { RedisSessionStore } from "./redis-sessions.ts";
import { sessionStoreContract } from "./session-store.contract.ts";
import { SqliteSessionStore } from "./sqlite-sessions.ts";

sessionStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-sessions-"));
  const path = join(dir, "chunks.sqlite");
  // The session store first: it must work on a file the chunk store has not made yet.
  const sessions = new SqliteSessionStore(path);
  const chunks = new SqliteChunkStore(path);
  return {
    sessions,
    chunks,
    reopen: async () => new SqliteSessionStore(path),
    close: async () => (await sessions.close(), await chunks.close(), rmSync(dir, { recursive: true, force: true })),
  };
});

if (await redisAvailable()) {
  sessionStoreContract("redis", async () => {
    const prefix = testPrefix("sessions");
    const redis = new Redis(TEST_REDIS_URL);
    const sessions = new RedisSessionStore(new Redis(TEST_REDIS_URL), prefix);
    const chunks = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    return {
      sessions,
      chunks,
      reopen: async () => new RedisSessionStore(new Redis(TEST_REDIS_URL), prefix),
      close: async () => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await Promise.all([sessions.close(), chunks.close()]);
        redis.disconnect();
      },
    };
  });
}
