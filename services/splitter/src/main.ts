import { connectBus, openBlobs, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit, createLogger } from "@medusa/core";
import { splitterEnv } from "./env.ts";
import { serveSplitter } from "./splitter-service.ts";

/** Wiring only: env → NATS + blob store → splitter → bounded shutdown. */
const SHUTDOWN_LIMIT_MS = 10_000;

const env = configOrExit("splitter", splitterEnv);
const bus = await connectBus(env, "splitter", { require: true });
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

// Splits get most of the limit to finish; the rest are failed, then the bus drains what is left.
shutdownOn("splitter", [() => splitter.close({ graceMs: SHUTDOWN_LIMIT_MS - 3_000 }), () => bus.drain()], SHUTDOWN_LIMIT_MS);
// The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
console.log(`[splitter] serving on ${env.MEDUSA_NATS_URL} (prefix ${env.MEDUSA_PREFIX})`);
