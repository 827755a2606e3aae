import { connectBus, openBlobs, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit } from "@medusa/core";
import { ftpEnv, ftpOptions } from "./env.ts";
import { startFtp } from "./ftp-server.ts";

/** Wiring only: env → NATS + blob store → FTP server → bounded shutdown. */
const env = configOrExit("ftp", ftpEnv);
const options = configOrExit("ftp", () => ftpOptions(env, env.MEDUSA_FTP_PORT));
const bus = await connectBus(env, "ftp", { require: true });
const ftp = await startFtp({ bus, blobs: await openBlobs(env, bus), ...options, log: (message) => console.log(`[ftp] ${message}`) });

// Stop accepting and close the sessions (an upload cut off stays pending, resumable), then drain the bus.
shutdownOn("ftp", [() => ftp.close(), () => bus.drain()], 10_000);
const pasv = options.pasvPorts.min === 0 ? "any free port" : `${options.pasvPorts.min}-${options.pasvPorts.max}`;
console.log(`[ftp] listening on ${ftp.url} (passive ports ${pasv}${options.tls ? `, AUTH TLS${options.requireTls ? " required" : ""}` : ""}; NATS ${env.MEDUSA_NATS_URL}, prefix ${env.MEDUSA_PREFIX})`);
