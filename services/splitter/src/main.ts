import { connectBus, openBlobs, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit, createLogger, surviveStrayErrors } from "@medusa/core";
import { meteredBus, opsListener, Readiness, serviceRegistry } from "@medusa/ops";
import { splitterEnv } from "./env.ts";
import { serveSplitter } from "./splitter-service.ts";

/** Wiring only: env → NATS + blob store → splitter → bounded shutdown. */
const SHUTDOWN_LIMIT_MS = 10_000;

const env = configOrExit("splitter", splitterEnv);
const registry = serviceRegistry("splitter");
const bus = meteredBus(await connectBus(env, "splitter", { require: true }), registry);
const blobs = await openBlobs(env, bus);
const log = createLogger({ service: "splitter", level: env.MEDUSA_LOG_LEVEL });
const splitter = serveSplitter(
  bus,
  {
    blobs,
    inlineMaxBytes: env.MEDUSA_SPLITTER_INLINE_MAX_BYTES,
    batchChunks: env.MEDUSA_SPLITTER_BATCH_CHUNKS,
    batchBytes: env.MEDUSA_SPLITTER_BATCH_BYTES,
    log,
  },
  { queue: "splitter" },
);

const readiness = new Readiness({ bus: () => bus.flush(), blobs: () => blobs.stat("readyz") });
const ops = opsListener("splitter", env, registry, readiness);

// Splits get most of the limit to finish; the rest are failed, then the bus drains what is left.
shutdownOn("splitter", [() => readiness.drain(), () => splitter.close({ graceMs: SHUTDOWN_LIMIT_MS - 3_000 }), () => bus.drain(), () => ops.stop()], SHUTDOWN_LIMIT_MS);
surviveStrayErrors("splitter");
// The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
console.log(`[splitter] serving on ${env.MEDUSA_NATS_URL} (prefix ${env.MEDUSA_PREFIX})`);
