import { connectBus, openBlobs, openSettlementQueue, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit, createLogger } from "@medusa/core";
import { gatewayEnv } from "./env.ts";
import { NodeBuilds } from "./downloads/node-builds.ts";
import { createGateway } from "./gateway.ts";
import { PackageMirror } from "./packages/package-mirror.ts";

/** Wiring only: env → NATS + blob store → gateway → HTTP server → bounded shutdown. */
const env = configOrExit("gateway", gatewayEnv);
const bus = await connectBus(env, "gateway", { require: true });
const blobs = await openBlobs(env, bus);
const log = createLogger({ service: "gateway", level: env.MEDUSA_LOG_LEVEL });
const packagesDir = env.MEDUSA_PYODIDE_PACKAGES_DIR;
const packageMirror = packagesDir ? configOrExit("gateway", () => PackageMirror.open(packagesDir)) : undefined;
if (packageMirror) console.log(`[gateway] ${packageMirror.summary()}`);
const gateway = createGateway({
  bus,
  blobs,
  settlements: await openSettlementQueue(env, bus),
  pricePerRound: env.MEDUSA_PRICE_PER_ROUND,
  maxJsonBytes: env.MEDUSA_MAX_JSON_BYTES,
  maxFileBytes: env.MEDUSA_MAX_FILE_BYTES,
  storageQuotaBytes: env.MEDUSA_STORAGE_QUOTA,
  uploadExpiryMs: env.MEDUSA_UPLOAD_EXPIRY,
  log,
  packageMirror,
  publicUrl: env.MEDUSA_PUBLIC_URL,
  ...(env.MEDUSA_DOWNLOADS_DIR ? { downloads: new NodeBuilds({ dir: env.MEDUSA_DOWNLOADS_DIR }) } : {}),
});
const server = Bun.serve({ port: env.MEDUSA_PORT, hostname: env.MEDUSA_HOST, fetch: gateway.app.fetch, websocket: gateway.websocket, maxRequestBodySize: gateway.maxRequestBodySize });

// Stop accepting, close the sockets (nodes' chunks go back to the queue), end what is left, then drain the bus.
shutdownOn("gateway", [() => void server.stop(false), () => gateway.close(), () => server.stop(true), () => bus.drain()], 10_000);
// The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
console.log(`[gateway] listening on http://${env.MEDUSA_HOST}:${server.port} (NATS ${env.MEDUSA_NATS_URL}, prefix ${env.MEDUSA_PREFIX})`);
