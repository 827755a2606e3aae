import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import { presenceContract } from "./presence.contract.ts";
import { RedisPresenceStore } from "./redis-presence.ts";
import { SqlitePresenceStore } from "./sqlite-presence.ts";

presenceContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-presence-"));
  const store = new SqlitePresenceStore(join(dir, "presence.sqlite"));
  return { store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
});

if (await redisAvailable()) {
  presenceContract("redis", async () => {
    const prefix = testPrefix("presence");
    const redis = new Redis(TEST_REDIS_URL);
    const store = new RedisPresenceStore(redis, prefix);
    return {
      store,
      close: async () => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await store.close();
      },
    };
  });
}
