import { intFrom, limits, parseEnv, portEnv, requireNats } from "@medusa/core";

export const SplitterEnv = {
  ...portEnv,
  /** File chunks whose JSON reaches this size go to the blob store rather than inline. */
  MEDUSA_SPLITTER_INLINE_MAX_BYTES: intFrom(limits.inlineChunkBytes, 1, 768 * 1024),
  MEDUSA_SPLITTER_BATCH_CHUNKS: intFrom(500, 1, 10_000),
  /** Kept under NATS's default 1 MB message limit, with room for the envelope. */
  MEDUSA_SPLITTER_BATCH_BYTES: intFrom(512 * 1024, 1024, 900 * 1024),
};

export const splitterEnv = (env: Record<string, string | undefined> = process.env) => requireNats(parseEnv(SplitterEnv, env), "splitter");
export type SplitterEnv = ReturnType<typeof splitterEnv>;
