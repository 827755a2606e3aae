export { serveScheduler, type SchedulerDeps } from "./scheduler-service.ts";
export { policyFromEnv, replicaEnv, type ReplicaPolicy } from "./replica-policy.ts";
export { retentionEnv } from "./env.ts";
