import { intFrom, parseEnv, portEnv } from "@medusa/core";

export const schedulerEnv = () => parseEnv({ ...portEnv, MEDUSA_LEASE_SWEEP_MS: intFrom(1000, 50) });
