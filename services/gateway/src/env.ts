import { z } from "zod";
import { rateLimitEnv } from "./http/rate-env.ts";
import { bytesFrom, durationFrom, intFrom, LEASE_RENEW_MS, limits, natsUrlRequiredBy, parseEnv, PortEnv, type EnvSource } from "@medusa/core";

/** The gateway's configuration. */
export const GatewayEnv = PortEnv.extend({
  MEDUSA_NATS_URL: natsUrlRequiredBy("gateway"),
  MEDUSA_PORT: intFrom(8080, 0, 65_535),
  /** The interface to listen on; all of them by default (the gateway is the public face). */
  MEDUSA_HOST: z.string().min(1).default("0.0.0.0"),
  /** Cap on JSON request bodies. */
  MEDUSA_MAX_JSON_BYTES: intFrom(limits.jsonBodyBytes, 1024),
  /** Cap on one uploaded file (whole, or a resumable upload's total), over REST and FTP alike. */
  MEDUSA_MAX_FILE_BYTES: intFrom(limits.fileBytes, 1),
  /** What one account may store, files and unfinished uploads together, over REST and FTP alike (10GiB, 500MB, or bytes). */
  MEDUSA_STORAGE_QUOTA: bytesFrom(String(limits.storageQuotaBytes)),
  /** An unfinished upload untouched this long is deleted (a duration: 24h, 30m…). */
  MEDUSA_UPLOAD_EXPIRY: durationFrom(String(limits.pendingUploadMs), 1000),
  /** Chunks any one node may hold at once, whatever slots it declares. */
  MEDUSA_NODE_MAX_CHUNKS: intFrom(limits.nodeChunks, 1),
  /** How often the leases of the chunks this gateway's nodes hold are renewed; well under the scheduler's MEDUSA_LEASE_MS. */
  MEDUSA_LEASE_RENEW: durationFrom(`${LEASE_RENEW_MS / 1000}s`, 100),
  ...rateLimitEnv(),
  /** Credits per partition per session round when a session names no price. */
  MEDUSA_PRICE_PER_ROUND: intFrom(1, 0),
  /** Node executables to serve at /downloads/, as `npm run build:node -- --all` writes dist/; none when unset. */
  MEDUSA_DOWNLOADS_DIR: z.string().min(1).optional(),
  /** The Pyodide package mirror (a release's packages beside its pyodide-lock.json); jobs name no packages without it. */
  MEDUSA_PYODIDE_PACKAGES_DIR: z.string().min(1).optional(),
  /** The http(s) URL nodes reach this gateway by; the gateways alive hand each other's to their nodes, to fail over to. */
  MEDUSA_PUBLIC_URL: z.url().optional(),
});
export type GatewayEnv = z.infer<typeof GatewayEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const gatewayEnv = (source: EnvSource = process.env): GatewayEnv => parseEnv(GatewayEnv, source);
