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

  test("a 450 MiB blob streams in and out with flat memory", async () => {
    const s = await scratchStore();
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    /** Puts `mb` MiB and reads them back, checking every byte; the highest RSS seen by then. */
    const roundTrip = async (mb: number) => {
      const sent = createHash("sha256");
      const info = await s.store.put(`big/${mb}`, generated(mb, sent));
      expect(info).toMatchObject({ size: mb << 20, sha256: sent.digest("hex") });
      const got = createHash("sha256");
      let size = 0;
      for await (const chunk of (await s.store.get(`big/${mb}`))!) {
        got.update(chunk);
        size += chunk.byteLength;
      }
      expect([size, got.digest("hex")]).toEqual([mb << 20, info.sha256]);
      return Math.max(peak, process.memoryUsage.rss());
    };
    try {
      Bun.gc(true);
      const before = process.memoryUsage.rss();
      // A small blob first takes up the runtime's slack (buffers, the collector's headroom); a big one
      // held in memory would then add its own size on top, one that streams adds next to nothing.
      const small = await roundTrip(150);
      const big = await roundTrip(450);
      const mib = (n: number) => (n / (1 << 20)).toFixed(0);
      console.log(`jetstream blobs: RSS +${mib(small - before)} MiB after 150 MiB in and out, +${mib(big - before)} MiB after 450 MiB more`);
      // Holding the big one would add 450 MiB or more; streaming added 0–260 in the whole suite's one process.
      expect((big - small) / (1 << 20)).toBeLessThan(350);
    } finally {
      clearInterval(sample);
      await s.close();
    }
  }, 240_000);
});
