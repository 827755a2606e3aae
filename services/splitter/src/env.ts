import { intFrom, parseEnv, portEnv } from "@medusa/core";

export const SplitterEnv = {
  ...portEnv,
  /** File chunks whose JSON reaches this size go to the blob store rather than inline. */
  MEDUSA_SPLITTER_INLINE_MAX_BYTES: intFrom(256 * 1024, 1, 768 * 1024),
  MEDUSA_SPLITTER_BATCH_CHUNKS: intFrom(500, 1, 10_000),
  /** Kept under NATS's default 1 MB message limit, with room for the envelope. */
  MEDUSA_SPLITTER_BATCH_BYTES: intFrom(512 * 1024, 1024, 900 * 1024),
};

/** The splitter on its own takes work over NATS, so it refuses to start without it. */
export function splitterEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(SplitterEnv, env);
  const natsUrl = parsed.MEDUSA_NATS_URL;
  if (!natsUrl) {
    throw new Error("invalid configuration:\n  MEDUSA_NATS_URL: required: the splitter takes jobs from the scheduler over NATS (e.g. nats://127.0.0.1:4222)");
  }
  return { ...parsed, MEDUSA_NATS_URL: natsUrl };
}
export type SplitterEnv = ReturnType<typeof splitterEnv>;
