import { connectBus, openBlobs, openChunkStore, openSettlementQueue, shutdownOn } from "@medusa/adapters";
import { configOrExit } from "@medusa/core";
import { schedulerEnv } from "./env.ts";
import { policyFromEnv } from "./replica-policy.ts";
import { serveScheduler } from "./scheduler-service.ts";

const env = configOrExit("scheduler", schedulerEnv);
const bus = await connectBus(env, "scheduler", { require: true });
const store = await openChunkStore(env);
const settlements = await openSettlementQueue(env, bus);
const scheduler = serveScheduler(bus, {
  store,
  blobs: openBlobs(env),
  settlements,
  pricePerChunk: env.MEDUSA_PRICE_PER_CHUNK,
  replicaPolicy: policyFromEnv(env),
  sweepMs: env.MEDUSA_LEASE_SWEEP_MS,
  log: (m) => console.log(`[scheduler] ${m}`),
});
console.log(`[scheduler] ready (chunk state: ${env.MEDUSA_REDIS_URL ? "redis" : "sqlite"})`);
shutdownOn("scheduler", [() => scheduler.close(), () => bus.drain(), () => store.close()]);
