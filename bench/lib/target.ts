import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaClient } from "@medusa/client";
import { stackEnv, startStack } from "@medusa/stack";
import Redis from "ioredis";
import { dropPrefix } from "./redis-prefix.ts";

/**
 * A Medusa deployment the workloads run against, reached only through the
 * public API. Both kinds run every service in this process (startStack) with
 * the default two local nodes and their default slot count; "distributed"
 * swaps the in-process bus and SQLite chunk state for NATS and Redis.
 */
export interface Target {
  name: "embedded" | "distributed";
  describe: string;
  client: MedusaClient;
  close(): Promise<void>;
}

export type TargetName = Target["name"];

export function distributedUrls(env = process.env): { nats: string; redis: string } | undefined {
  const nats = env.MEDUSA_NATS_URL;
  const redis = env.MEDUSA_REDIS_URL;
  return nats && redis ? { nats, redis } : undefined;
}

/** `extra`: further stack variables for this target (bench/cold-start.ts turns the Python snapshot off with them). */
export async function startTarget(name: TargetName, log: (msg: string) => void, extra: Record<string, string> = {}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `medusa-bench-${name}-`));
  const urls = distributedUrls();
  if (name === "distributed" && !urls) throw new Error("the distributed target needs MEDUSA_NATS_URL and MEDUSA_REDIS_URL");
  // A latency run submits jobs back to back (and the cold-start burst signs up 20 accounts), far past a public
  // deployment's limits: those limits are not what is measured.
  const vars: Record<string, string> = { ...extra, MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_RATE_JOBS: "1000000/1m", MEDUSA_RATE_SIGNUPS: "1000000/1m",
    // W1-scale's 1M-chunk job alone holds 1M credits, past the 1M a sign-up gets: what a run spends is not what is measured.
    MEDUSA_STARTER_CREDITS: "1000000000" };
  if (name === "distributed" && urls) {
    Object.assign(vars, { MEDUSA_NATS_URL: urls.nats, MEDUSA_REDIS_URL: urls.redis, MEDUSA_PREFIX: `bench-${crypto.randomUUID().slice(0, 8)}` });
  }
  // Only PATH-like variables pass through: a stray MEDUSA_* in the caller's shell must not change what is measured.
  const env = stackEnv({ ...vars, MEDUSA_LOCAL_NODES: extra.MEDUSA_LOCAL_NODES ?? process.env.MEDUSA_LOCAL_NODES, MEDUSA_NODE_SLOTS: extra.MEDUSA_NODE_SLOTS ?? process.env.MEDUSA_NODE_SLOTS, MEDUSA_BACKUP_LEASES: process.env.MEDUSA_BACKUP_LEASES });
  const started = performance.now();
  const stack = await startStack(env, (m) => log(`  ${m}`));
  const anon = new MedusaClient(stack.url);
  const account = await anon.signUp(`bench-${Date.now()}@example.com`, "bench-password");
  log(`  ${name} stack up in ${Math.round(performance.now() - started)} ms at ${stack.url}`);
  const ports = name === "embedded" ? "in-process bus, SQLite chunk state" : `NATS ${urls!.nats}, Redis ${urls!.redis} (prefix ${env.MEDUSA_PREFIX})`;
  return {
    name,
    describe: `all services in one process (${ports}), ${env.MEDUSA_LOCAL_NODES} local nodes, ${env.MEDUSA_NODE_SLOTS ?? `${Math.max(1, availableParallelism() - 1)} (the default, cores − 1)`} slot(s) each`,
    client: anon.withKey(account.apiKey),
    async close() {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
      // Finished jobs stay in Redis for the retention period; a bench's (up to a million chunks) is dropped now.
      if (name === "distributed" && urls) {
        const redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
        try {
          await dropPrefix(redis, env.MEDUSA_PREFIX!);
        } finally {
          redis.disconnect();
        }
      }
    },
  };
}
