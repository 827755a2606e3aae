import { z } from "zod";
import { durationFrom, intFrom, limits, natsUrlRequiredBy, parseEnv, PortEnv, type EnvSource } from "@medusa/core";
import { replicaEnv } from "./replica-policy.ts";

/** The scheduler's configuration. */
export const SchedulerEnv = PortEnv.extend({
  MEDUSA_NATS_URL: natsUrlRequiredBy("scheduler"),
  ...replicaEnv(),
  MEDUSA_LEASE_SWEEP_MS: intFrom(1000, 50),
  /** A node whose gateway sends no heartbeat for this long is taken for gone, and its chunks go back to the queue. */
  MEDUSA_PRESENCE_TTL: durationFrom("5s", 2_000),
  MEDUSA_PRICE_PER_CHUNK: intFrom(1, 0),
  ...retentionEnv(),
});
/** How long finished jobs are kept (a duration: 7d, 12h…); the embedded stack reads the same variable. */
export function retentionEnv() {
  return { MEDUSA_RETENTION: durationFrom(String(limits.retentionMs), 1000) };
}

export type SchedulerEnv = z.infer<typeof SchedulerEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const schedulerEnv = (source: EnvSource = process.env): SchedulerEnv => parseEnv(SchedulerEnv, source);
