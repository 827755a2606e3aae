import { z } from "zod";
import { intFrom, parseEnv, portEnv, requireNats } from "@medusa/core";

export const GatewayEnvVars = {
  ...portEnv,
  MEDUSA_PORT: intFrom(8080, 0, 65_535),
  /** The interface to listen on; all of them by default (the gateway is the public face). */
  MEDUSA_HOST: z.string().min(1).default("0.0.0.0"),
  /** Cap on JSON request bodies. */
  MEDUSA_MAX_JSON_BYTES: intFrom(16 * 1024 * 1024, 1024),
  /** Cap on one uploaded file (whole, or a resumable upload's total), over REST and FTP alike. */
  MEDUSA_MAX_FILE_BYTES: intFrom(1024 * 1024 * 1024, 1),
  /** Credits per partition per session round when a session names no price. */
  MEDUSA_PRICE_PER_ROUND: intFrom(1, 0),
};

export const gatewayEnv = (env: Record<string, string | undefined> = process.env) => requireNats(parseEnv(GatewayEnvVars, env), "gateway");
export type GatewayEnvConfig = ReturnType<typeof gatewayEnv>;
