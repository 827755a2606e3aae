/** `npm run serve`: the stack, kept running until SIGTERM/SIGINT. */
import { shutdownOn } from "@medusa/adapters";
import { surviveStrayErrors } from "@medusa/core";
import { stackEnv } from "./env.ts";
import { startStack } from "./stack.ts";

const env = stackEnv();
const stack = await startStack(env);
const ports = [
  `bus: ${env.MEDUSA_NATS_URL ? "NATS" : "in-process"}`,
  `chunk state: ${env.MEDUSA_REDIS_URL ? "Redis" : "SQLite"}`,
  `accounts: ${env.MEDUSA_MONGO_URL ? "MongoDB" : "SQLite"}`,
  `blobs: ${env.MEDUSA_BLOBS === "jetstream" ? `JetStream bucket ${env.MEDUSA_PREFIX}_blobs` : `${env.MEDUSA_DATA_DIR}/blobs`}`,
];
console.log(`Medusa is serving on ${stack.url} (FTP on ${stack.ftpUrl}) with ${env.MEDUSA_LOCAL_NODES} local node(s) (${ports.join(", ")}).`);
shutdownOn("medusa", [() => stack.close()]);
// Serving now: an error no handler caught is logged, never the end of every service and node in here.
surviveStrayErrors("medusa");
