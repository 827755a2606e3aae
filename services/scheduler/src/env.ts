import { intFrom, parseEnv, portEnv, requireNats } from "@medusa/core";
import { replicaEnv } from "./replica-policy.ts";

export const schedulerEnv = (env: Record<string, string | undefined> = process.env) =>
  requireNats(parseEnv({ ...portEnv, ...replicaEnv(), MEDUSA_LEASE_SWEEP_MS: intFrom(1000, 50), MEDUSA_PRICE_PER_CHUNK: intFrom(1, 0) }, env), "scheduler");
