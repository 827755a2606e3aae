import { connectBus, openBlobs, openRateLimitRedis, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit, createLogger, surviveStrayErrors } from "@medusa/core";
import { meteredBus, opsRoutes, Readiness, serviceRegistry, withOpsRoutes } from "@medusa/ops";
import { gatewayEnv } from "./env.ts";
import { NodeBuilds } from "./downloads/node-builds.ts";
import { createGateway } from "./gateway.ts";
import { gatewayMetrics } from "./gateway-metrics.ts";
import { ratesFromEnv } from "./http/rate-env.ts";
import { RateLimits } from "./http/rate-limits.ts";
import { PackageMirror } from "./packages/package-mirror.ts";

/** Wiring only: env → NATS + blob store → gateway → HTTP server → bounded shutdown. */
const env = configOrExit("gateway", gatewayEnv);
const registry = serviceRegistry("gateway");
const bus = meteredBus(await connectBus(env, "gateway", { require: true }), registry);
const blobs = await openBlobs(env, bus);
const log = createLogger({ service: "gateway", level: env.MEDUSA_LOG_LEVEL });
const packagesDir = env.MEDUSA_PYODIDE_PACKAGES_DIR;
const rateRedis = openRateLimitRedis(env);
const packageMirror = packagesDir ? configOrExit("gateway", () => PackageMirror.open(packagesDir)) : undefined;
if (packageMirror) console.log(`[gateway] ${packageMirror.summary()}`);
const gateway = createGateway({
  bus,
  blobs,
  pricePerRound: env.MEDUSA_PRICE_PER_ROUND,
  maxJsonBytes: env.MEDUSA_MAX_JSON_BYTES,
  maxFileBytes: env.MEDUSA_MAX_FILE_BYTES,
  storageQuotaBytes: env.MEDUSA_STORAGE_QUOTA,
  uploadExpiryMs: env.MEDUSA_UPLOAD_EXPIRY,
  maxNodeChunks: env.MEDUSA_NODE_MAX_CHUNKS,
  leaseRenewMs: env.MEDUSA_LEASE_RENEW,
  rateLimits: new RateLimits(ratesFromEnv(env), { redis: rateRedis, prefix: env.MEDUSA_PREFIX }),
  log,
  packageMirror,
  publicUrl: env.MEDUSA_PUBLIC_URL,
  ...(env.MEDUSA_DOWNLOADS_DIR ? { downloads: new NodeBuilds({ dir: env.MEDUSA_DOWNLOADS_DIR }) } : {}),
});
const readiness = new Readiness({ bus: () => bus.flush(), blobs: () => blobs.stat("readyz") });
const fetch = withOpsRoutes(opsRoutes(registry, readiness), gatewayMetrics(gateway, registry, gateway.app.fetch));
const server = Bun.serve({ port: env.MEDUSA_PORT, hostname: env.MEDUSA_HOST, fetch, websocket: gateway.websocket, maxRequestBodySize: gateway.maxRequestBodySize });

// Not ready (the load balancer stops sending), stop accepting, close the sockets (nodes' chunks go back to the queue), end what is left, then drain the bus.
shutdownOn("gateway", [() => readiness.drain(), () => void server.stop(false), () => gateway.close(), () => server.stop(true), () => rateRedis?.quit(), () => bus.drain()], 10_000);
surviveStrayErrors("gateway");
// The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
console.log(`[gateway] listening on http://${env.MEDUSA_HOST}:${server.port} (NATS ${env.MEDUSA_NATS_URL}, prefix ${env.MEDUSA_PREFIX})`);
