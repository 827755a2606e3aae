/**
 * Where the real Redis and NATS for tests live, and what to do when they are
 * missing: print a skip (a developer's laptop), or fail the run when
 * MEDUSA_REQUIRE_SERVICES=1 (CI), so a skip can never hide a failure there.
 */
import { connect as natsConnect } from "nats";
import Redis from "ioredis";
import { errorMessage } from "@medusa/core";

export const TEST_REDIS_URL = process.env.MEDUSA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_NATS_URL = process.env.MEDUSA_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
export const TEST_MONGO_URL = process.env.MEDUSA_MONGO_URL;
const required = process.env.MEDUSA_REQUIRE_SERVICES === "1";

/** A fresh key/subject prefix per suite so runs never collide. */
export const testPrefix = (what = "t") => `${what}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

async function reachable(name: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (err) {
    const why = `${name} is not reachable (${errorMessage(err)})`;
    if (required) throw new Error(`${why}, and MEDUSA_REQUIRE_SERVICES=1`);
    console.warn(`SKIP: ${why}; its suite is skipped. Set MEDUSA_REQUIRE_SERVICES=1 to fail instead.`);
    return false;
  }
}

export const redisAvailable = () =>
  reachable(`Redis at ${TEST_REDIS_URL}`, async () => {
    const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    try {
      await r.connect();
      await r.ping();
    } finally {
      r.disconnect();
    }
  });

export const natsAvailable = () =>
  reachable(`NATS at ${TEST_NATS_URL}`, async () => {
    const nc = await natsConnect({ servers: TEST_NATS_URL, timeout: 1000, reconnect: false });
    await nc.close();
  });

export function mongoAvailable(): boolean {
  if (TEST_MONGO_URL) return true;
  console.warn("SKIP: MEDUSA_MONGO_URL is not set; the MongoDB contract suite is skipped.");
  return false;
}
