import { connectBus, openBlobs, openChunkStats, openChunkStore, openPresenceStore, openSessionStore, openSettlementQueue, shutdownOn } from "@medusa/adapters";
import { configOrExit, createLogger, surviveStrayErrors } from "@medusa/core";
import { meteredBus, opsListener, Readiness, serviceRegistry } from "@medusa/ops";
import { schedulerEnv } from "./env.ts";
import { holdSettlements } from "./outbox-hold.ts";
import { policyFromEnv } from "./replica-policy.ts";
import { chunkStoreGauges, meteredChunkStore } from "./scheduler-metrics.ts";
import { serveScheduler } from "./scheduler-service.ts";

const env = configOrExit("scheduler", schedulerEnv);
const log = createLogger({ service: "scheduler", level: env.MEDUSA_LOG_LEVEL });
const registry = serviceRegistry("scheduler");
const bus = meteredBus(await connectBus(env, "scheduler", { require: true }), registry);
const metered = meteredChunkStore(await openChunkStore(env), registry);
// SQLite syncs the outbox itself before handing it out; Redis's AOF needs the hold.
const store = env.MEDUSA_REDIS_URL && env.MEDUSA_OUTBOX_HOLD > 0 ? holdSettlements(metered, env.MEDUSA_OUTBOX_HOLD) : metered;
const stats = openChunkStats(env);
chunkStoreGauges(stats, registry);
const settlements = await openSettlementQueue(env, bus);
const presence = await openPresenceStore(env);
const sessions = await openSessionStore(env);
const scheduler = serveScheduler(bus, {
  store,
  blobs: await openBlobs(env, bus),
  settlements,
  pricePerChunk: env.MEDUSA_PRICE_PER_CHUNK,
  replicaPolicy: policyFromEnv(env),
  sweepMs: env.MEDUSA_LEASE_SWEEP_MS,
  presence,
  sessions,
  presenceTtlMs: env.MEDUSA_PRESENCE_TTL,
  retentionMs: env.MEDUSA_RETENTION,
  splitLeaseMs: env.MEDUSA_SPLIT_LEASE_MS,
  leaseMs: env.MEDUSA_LEASE_MS,
  log,
});
const readiness = new Readiness({ bus: () => bus.flush(), chunks: () => store.getJob("readyz") });
const ops = opsListener("scheduler", env, registry, readiness);
// The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
console.log(`[scheduler] ready (chunk state: ${env.MEDUSA_REDIS_URL ? "redis" : "sqlite"})`);
// Not ready first, then stop serving (other replicas take the queue group's requests), flush the outbox, drain.
shutdownOn("scheduler", [() => readiness.drain(), () => scheduler.close(), () => bus.drain(), () => store.close(), () => stats.close(), () => presence.close(), () => sessions.close(), () => ops.stop()]);
surviveStrayErrors("scheduler");
