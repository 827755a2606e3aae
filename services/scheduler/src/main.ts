import { connectBus, openBlobs, openChunkStore, openPresenceStore, openSettlementQueue, shutdownOn } from "@medusa/adapters";
import { configOrExit, createLogger } from "@medusa/core";
import { schedulerEnv } from "./env.ts";
import { policyFromEnv } from "./replica-policy.ts";
import { serveScheduler } from "./scheduler-service.ts";

const env = configOrExit("scheduler", schedulerEnv);
const log = createLogger({ service: "scheduler", level: env.MEDUSA_LOG_LEVEL });
const bus = await connectBus(env, "scheduler", { require: true });
const store = await openChunkStore(env);
const settlements = await openSettlementQueue(env, bus);
const presence = await openPresenceStore(env);
const scheduler = serveScheduler(bus, {
  store,
  blobs: await openBlobs(env, bus),
  settlements,
  pricePerChunk: env.MEDUSA_PRICE_PER_CHUNK,
  replicaPolicy: policyFromEnv(env),
  sweepMs: env.MEDUSA_LEASE_SWEEP_MS,
  presence,
  presenceTtlMs: env.MEDUSA_PRESENCE_TTL,
  retentionMs: env.MEDUSA_RETENTION,
  log,
});
// The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
console.log(`[scheduler] ready (chunk state: ${env.MEDUSA_REDIS_URL ? "redis" : "sqlite"})`);
shutdownOn("scheduler", [() => scheduler.close(), () => bus.drain(), () => store.close(), () => presence.close()]);
