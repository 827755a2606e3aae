import { z } from "zod";
import { intFrom, parseEnv, portEnv } from "@medusa/core";

export const GatewayEnvVars = {
  ...portEnv,
  MEDUSA_PORT: intFrom(8080, 0, 65_535),
  /** The interface to listen on; all of them by default (the gateway is the public face). */
  MEDUSA_HOST: z.string().min(1).default("0.0.0.0"),
  /** Cap on JSON request bodies. */
  MEDUSA_MAX_JSON_BYTES: intFrom(16 * 1024 * 1024, 1024),
  /** Cap on one uploaded file. */
  MEDUSA_MAX_FILE_BYTES: intFrom(1024 * 1024 * 1024, 1),
};

/** The gateway on its own reaches every other service over NATS, so it refuses to start without it. */
export function gatewayEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(GatewayEnvVars, env);
  const natsUrl = parsed.MEDUSA_NATS_URL;
  if (!natsUrl) {
    throw new Error("invalid configuration:\n  MEDUSA_NATS_URL: required: the gateway reaches the other services over NATS (e.g. nats://127.0.0.1:4222)");
  }
  return { ...parsed, MEDUSA_NATS_URL: natsUrl };
}
export type GatewayEnvConfig = ReturnType<typeof gatewayEnv>;
