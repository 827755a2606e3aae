import { describe, expect, test } from "bun:test";
import { splitterEnv } from "./env.ts";

describe("splitterEnv", () => {
  test("refuses to start without MEDUSA_NATS_URL, saying why", () => {
    expect(() => splitterEnv({})).toThrow("MEDUSA_NATS_URL: required");
  });

  test("defaults, and numbers from strings", () => {
    const env = splitterEnv({ MEDUSA_NATS_URL: "nats://127.0.0.1:4222", MEDUSA_SPLITTER_BATCH_CHUNKS: "50" });
    expect(env.MEDUSA_SPLITTER_BATCH_CHUNKS).toBe(50);
    expect(env.MEDUSA_SPLITTER_BATCH_BYTES).toBe(512 * 1024);
    expect(env.MEDUSA_SPLITTER_INLINE_MAX_BYTES).toBe(256 * 1024);
  });

  test("a batch size past the NATS message limit is refused", () => {
    expect(() => splitterEnv({ MEDUSA_NATS_URL: "nats://x:4222", MEDUSA_SPLITTER_BATCH_BYTES: String(2 * 1024 * 1024) })).toThrow("MEDUSA_SPLITTER_BATCH_BYTES");
  });
});
