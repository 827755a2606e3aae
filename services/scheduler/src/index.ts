export { serveScheduler, type SchedulerDeps } from "./scheduler-service.ts";
export { policyFromEnv, replicaEnv, type ReplicaPolicy } from "./replica-policy.ts";
export { retentionEnv } from "./env.ts";
export { chunkStoreGauges, meteredChunkStore } from "./scheduler-metrics.ts";
