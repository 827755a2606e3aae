import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect, type NatsConnection } from "nats";
import { natsAvailable, testPrefix, TEST_NATS_URL } from "@medusa/testing/servers";
import { blobStoreContract } from "./blob-store.contract.ts";
import { fileBlobsContract } from "./file-blobs.contract.ts";
import { JetStreamBlobStore } from "./jetstream-blobs.ts";

const available = await natsAvailable();
const nc: NatsConnection | undefined = available ? await connect({ servers: TEST_NATS_URL, name: "jetstream-blobs-test" }) : undefined;
afterAll(() => nc?.close());

/** A store on a bucket of its own, deleted with everything in it by close(). */
async function scratchStore(conn = nc!) {
  const bucket = testPrefix("blobs");
  const store = await JetStreamBlobStore.open(conn, bucket);
  const jsm = await conn.jetstreamManager();
  return {
    store,
    bucket,
    messages: async () => (await jsm.streams.info(`OBJ_${bucket}`)).state.messages,
    close: async () => void (await jsm.streams.delete(`OBJ_${bucket}`)),
  };
}

if (available) {
  blobStoreContract("jetstream", scratchStore);
  fileBlobsContract("jetstream", scratchStore);
}

/** `mb` MiB of bytes that depend on their position, made as they are read. */
function generated(mb: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent === mb) return c.close();
      const data = new Uint8Array(1 << 20).fill(sent % 251);
      data[0] = sent & 0xff;
      hash.update(data);
      c.enqueue(data);
      sent++;
    },
  });
}

describe.skipIf(!available)("JetStreamBlobStore", () => {
  test("another connection (another host) sees the same blobs at once", async () => {
    const a = await scratchStore();
    const other = await connect({ servers: TEST_NATS_URL, name: "jetstream-blobs-other" });
    try {
      const b = await JetStreamBlobStore.open(other, a.bucket);
      await a.store.put("jobs/j1/input", "shared bytes");
      expect(await new Response(await b.get("jobs/j1/input")).text()).toBe("shared bytes");
      expect(await b.delete("jobs/j1/input")).toBe(true);
      expect(await a.store.stat("jobs/j1/input")).toBeNull();
    } finally {
      await other.close();
      await a.close();
    }
  });

  test("replaced, moved, staged and deleted blobs leave no messages behind", async () => {
    const s = await scratchStore();
    try {
      const hash = createHash("sha256");
      await s.store.put("a/big", generated(20, hash));
      await s.store.put("a/big", "smaller now");
      await s.store.move("a/big", "b/c/moved");
      await s.store.uploads.stage("d/up", new Response("0123456789").body!, { offset: 0 });
      await s.store.uploads.stage("d/up", new Response("abc").body!, { offset: 4 });
      await s.store.uploads.commit("d/up");
      await s.store.uploads.stage("d/dropped", new Response("gone").body!, { offset: 0 });
      await s.store.uploads.discard("d/dropped");
      expect(await new Response(await s.store.get("d/up")).text()).toBe("0123abc");
      expect(await s.store.deletePrefix("")).toBe(2);
      expect(await s.messages()).toBe(0);
    } finally {
      await s.close();
    }
  });

  test("a 400 MiB blob streams in and out with flat memory", async () => {
    const s = await scratchStore();
    const mb = 400;
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    try {
      Bun.gc(true);
      const before = process.memoryUsage.rss();
      const sent = createHash("sha256");
      const info = await s.store.put("big/blob", generated(mb, sent));
      expect(info).toMatchObject({ size: mb << 20, sha256: sent.digest("hex") });
      const got = createHash("sha256");
      let size = 0;
      for await (const chunk of (await s.store.get("big/blob"))!) {
        got.update(chunk);
        size += chunk.byteLength;
      }
      expect(size).toBe(mb << 20);
      expect(got.digest("hex")).toBe(info.sha256);
      const growthMb = (peak - before) / (1 << 20);
      console.log(`jetstream blobs: ${mb} MiB in and out, RSS grew at most ${growthMb.toFixed(0)} MiB`);
      // A segment or two in flight plus the runtime's slack (about 180 MiB whether the blob is 400 MiB or 1 GiB,
      // see bench/blobs.ts); holding the blob would be 400+ MiB.
      expect(growthMb).toBeLessThan(260);
    } finally {
      clearInterval(sample);
      await s.close();
    }
  }, 240_000);
});
