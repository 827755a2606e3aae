import { z } from "zod";
import { opsEnv } from "@medusa/ops";
import { intFrom, limits, natsUrlRequiredBy, parseEnv, PortEnv, type EnvSource } from "@medusa/core";

/** The splitter's configuration. */
export const SplitterEnv = PortEnv.extend({
  MEDUSA_NATS_URL: natsUrlRequiredBy("splitter"),
  /** File chunks whose JSON reaches this size go to the blob store rather than inline. */
  MEDUSA_SPLITTER_INLINE_MAX_BYTES: intFrom(limits.inlineChunkBytes, 1, 768 * 1024),
  MEDUSA_SPLITTER_BATCH_CHUNKS: intFrom(500, 1, 10_000),
  /** Kept under NATS's default 1 MB message limit, with room for the envelope. */
  MEDUSA_SPLITTER_BATCH_BYTES: intFrom(512 * 1024, 1024, 900 * 1024),
  ...opsEnv(),
});
export type SplitterEnv = z.infer<typeof SplitterEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const splitterEnv = (source: EnvSource = process.env): SplitterEnv => parseEnv(SplitterEnv, source);
