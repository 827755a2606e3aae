import { z } from "zod";
import { durationFrom, intFrom, limits, natsUrlRequiredBy, parseEnv, PortEnv, RENEWED_LEASE_MS, type EnvSource } from "@medusa/core";
import { opsEnv } from "@medusa/ops";
import { replicaEnv } from "./replica-policy.ts";

/** The scheduler's configuration. */
export const SchedulerEnv = PortEnv.extend({
  MEDUSA_NATS_URL: natsUrlRequiredBy("scheduler"),
  ...replicaEnv(),
  MEDUSA_LEASE_SWEEP_MS: intFrom(1000, 50),
  /**
   * How long a lease lasts unless its gateway renews it (gateways renew every
   * 5 s while their node holds the chunk, up to 2 × timeoutMs + 5 s): a dead
   * gateway's chunks are back in the queue this soon. Keep it well above 5 s.
   */
  MEDUSA_LEASE_MS: durationFrom(`${RENEWED_LEASE_MS / 1000}s`, 1_000),
  /** A splitter's lease on a split: a killed splitter's split is taken over by another this long after its last renewal. */
  MEDUSA_SPLIT_LEASE_MS: intFrom(15_000, 1000),
  /** A node whose gateway sends no heartbeat for this long is taken for gone, and its chunks go back to the queue. */
  MEDUSA_PRESENCE_TTL: durationFrom("5s", 2_000),
  MEDUSA_PRICE_PER_CHUNK: intFrom(1, 0),
  /** With Redis: how long a settlement waits in the outbox before it is forwarded, longer than AOF's fsync window (see outbox-hold.ts); 0 forwards at once. */
  MEDUSA_OUTBOX_HOLD: durationFrom("3s", 0),
  ...retentionEnv(),
  ...opsEnv(),
});
/** How long finished jobs are kept (a duration: 7d, 12h…); the embedded stack reads the same variable. */
export function retentionEnv() {
  return { MEDUSA_RETENTION: durationFrom(String(limits.retentionMs), 1000) };
}

export type SchedulerEnv = z.infer<typeof SchedulerEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const schedulerEnv = (source: EnvSource = process.env): SchedulerEnv => parseEnv(SchedulerEnv, source);
