import { connectBus, openBlobs, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit, surviveStrayErrors } from "@medusa/core";
import { meteredBus, opsListener, Readiness, serviceRegistry } from "@medusa/ops";
import { ftpEnv, ftpOptions } from "./env.ts";
import { startFtp } from "./ftp-server.ts";

/** Wiring only: env → NATS + blob store → FTP server → bounded shutdown. */
const env = configOrExit("ftp", ftpEnv);
const options = configOrExit("ftp", () => ftpOptions(env, env.MEDUSA_FTP_PORT));
const registry = serviceRegistry("ftp");
const bus = meteredBus(await connectBus(env, "ftp", { require: true }), registry);
const blobs = await openBlobs(env, bus);
const ftp = await startFtp({ bus, blobs, ...options, log: (message) => console.log(`[ftp] ${message}`) });

const readiness = new Readiness({ bus: () => bus.flush(), blobs: () => blobs.stat("readyz") });
const ops = opsListener("ftp", env, registry, readiness);

// Not ready, stop accepting and close the sessions (an upload cut off stays pending, resumable), then drain the bus.
shutdownOn("ftp", [() => readiness.drain(), () => ftp.close(), () => bus.drain(), () => ops.stop()], 10_000);
surviveStrayErrors("ftp");
const pasv = options.pasvPorts.min === 0 ? "any free port" : `${options.pasvPorts.min}-${options.pasvPorts.max}`;
console.log(`[ftp] listening on ${ftp.url} (passive ports ${pasv}${options.tls ? `, AUTH TLS${options.requireTls ? " required" : ""}` : ""}; NATS ${env.MEDUSA_NATS_URL}, prefix ${env.MEDUSA_PREFIX})`);
