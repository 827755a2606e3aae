import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv, PortEnv } from "@medusa/core";
import { natsAvailable, testPrefix, TEST_NATS_URL } from "@medusa/testing/servers";
import { MemoryBus } from "../bus/memory-bus.ts";
import { NatsBus } from "../bus/nats-bus.ts";
import { openBlobs } from "../connect.ts";
import { FolderBlobStore } from "./folder-blobs.ts";
import { JetStreamBlobStore } from "./jetstream-blobs.ts";

const nats = await natsAvailable();

describe("openBlobs", () => {
  test("a folder under MEDUSA_DATA_DIR unless MEDUSA_BLOBS says otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "medusa-open-blobs-"));
    try {
      expect(await openBlobs(parseEnv(PortEnv, { MEDUSA_DATA_DIR: dir }), new MemoryBus())).toBeInstanceOf(FolderBlobStore);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("MEDUSA_BLOBS=jetstream without NATS is refused with the reason; a bad value names the variable", async () => {
    const env = parseEnv(PortEnv, { MEDUSA_BLOBS: "jetstream" });
    await expect(openBlobs(env, new MemoryBus())).rejects.toThrow(/MEDUSA_NATS_URL must be set/);
    expect(() => parseEnv(PortEnv, { MEDUSA_BLOBS: "s3" })).toThrow(/MEDUSA_BLOBS/);
  });

  test.skipIf(!nats)("MEDUSA_BLOBS=jetstream opens the <prefix>_blobs bucket on the bus's NATS", async () => {
    const prefix = testPrefix("openblobs");
    const bus = await NatsBus.connect(TEST_NATS_URL, { prefix });
    try {
      const blobs = await openBlobs(parseEnv(PortEnv, { MEDUSA_BLOBS: "jetstream", MEDUSA_PREFIX: prefix }), bus);
      expect(blobs).toBeInstanceOf(JetStreamBlobStore);
      await blobs.put("k", "v");
      const jsm = await bus.nc.jetstreamManager();
      expect((await jsm.streams.info(`OBJ_${prefix}_blobs`)).state.messages).toBeGreaterThan(0);
      await jsm.streams.delete(`OBJ_${prefix}_blobs`);
    } finally {
      await bus.drain();
    }
  });
});
