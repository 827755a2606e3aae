import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { NatsBus } from "@medusa/adapters/bus/nats-bus";
import { shutdownOn } from "@medusa/adapters/connect";
import { gatewayEnv } from "./env.ts";
import { createGateway } from "./gateway.ts";

/** Wiring only: env → NATS + blob folder → gateway → HTTP server → bounded shutdown. */
let env;
try {
  env = gatewayEnv();
} catch (err) {
  console.error(`[gateway] ${err instanceof Error ? err.message : err}`);
  process.exit(2);
}

const bus = await NatsBus.connect(env.MEDUSA_NATS_URL, { prefix: env.MEDUSA_PREFIX, name: "gateway" });
const blobs = new FolderBlobStore(join(env.MEDUSA_DATA_DIR, "blobs"));
const gateway = createGateway({
  bus,
  blobs,
  maxJsonBytes: env.MEDUSA_MAX_JSON_BYTES,
  maxFileBytes: env.MEDUSA_MAX_FILE_BYTES,
  log: (message) => console.log(`[gateway] ${message}`),
});
const server = Bun.serve({ port: env.MEDUSA_PORT, hostname: env.MEDUSA_HOST, fetch: gateway.app.fetch, websocket: gateway.websocket });

// Stop accepting, close the sockets (nodes' chunks go back to the queue), end what is left, then drain the bus.
shutdownOn("gateway", [() => void server.stop(false), () => gateway.close(), () => server.stop(true), () => bus.drain()], 10_000);
console.log(`[gateway] listening on http://${env.MEDUSA_HOST}:${server.port} (NATS ${env.MEDUSA_NATS_URL}, prefix ${env.MEDUSA_PREFIX})`);
