import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { DirectSettlements, FolderBlobStore, MemoryBus, RedisChunkStore, SqliteAccountStore, SqliteChunkStore, SqliteLedgerStore } from "@medusa/adapters";
import { call, jobBlobsPrefix, readChunkItems, subjects, type ChunkStore } from "@medusa/core";
import { serveCredits } from "@medusa/credits";
import { createGateway } from "@medusa/gateway";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { redisAvailable, TEST_REDIS_URL, testPrefix } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";

/**
 * Retention over HTTP, with the scheduler's clock in the test's hand: a
 * finished job is kept for MEDUSA_RETENTION, then its chunk state (Redis keys
 * or SQLite rows), results, events and blobs are gone and GET says 410.
 */
const DAY = 86_400_000;
const RETENTION = 7 * DAY;
const redisUp = await redisAvailable();

interface Backend {
  name: string;
  open(dir: string): { store: ChunkStore; leftovers(jobId: string): Promise<string[]>; close(): Promise<void> };
}

const sqlite: Backend = {
  name: "sqlite",
  open(dir) {
    const path = join(dir, "chunks.sqlite");
    const store = new SqliteChunkStore(path);
    return {
      store,
      async leftovers(jobId) {
        const raw = new Database(path, { readonly: true });
        try {
          return ["jobs:id", "chunks:job_id", "replicas:job_id", "events:job_id"].flatMap((t) => {
            const [table, column] = t.split(":");
            const { n } = raw.query(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(jobId) as { n: number };
            return n > 0 ? [`${table}: ${n} row(s)`] : [];
          });
        } finally {
          raw.close();
        }
      },
      close: () => store.close(),
    };
  },
};

const redis: Backend = {
  name: "redis",
  open() {
    const prefix = testPrefix("retention");
    const client = new Redis(TEST_REDIS_URL);
    const store = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    const scan = async (match: string) => {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", match, "COUNT", 1000);
        found.push(...keys);
        cursor = next;
      } while (cursor !== "0");
      return found.sort();
    };
    return {
      store,
      // Everything but the record that it expired, which is what answers 410.
      leftovers: async (jobId) => (await scan(`${prefix}:*${jobId}*`)).filter((k) => k !== `${prefix}:expired:${jobId}`),
      async close() {
        await store.close();
        const mine = await scan(`${prefix}:*`);
        if (mine.length > 0) await client.del(...mine);
        client.disconnect();
      },
    };
  },
};

for (const backend of [sqlite, ...(redisUp ? [redis] : [])]) {
  describe(`retention (${backend.name})`, () => {
    let dir: string;
    let clock: number;
    let bus: MemoryBus;
    let blobs: FolderBlobStore;
    let opened: ReturnType<Backend["open"]>;
    let scheduler: ReturnType<typeof serveScheduler>;
    let api: (method: string, path: string, body?: unknown, key?: string) => Promise<Response>;
    let closeAll: () => Promise<void>;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "medusa-retention-"));
      clock = Date.now();
      bus = new MemoryBus();
      blobs = new FolderBlobStore(join(dir, "blobs"));
      opened = backend.open(dir);
      const accounts = new SqliteAccountStore(join(dir, "accounts.sqlite"));
      const ledger = new SqliteLedgerStore(join(dir, "ledger.sqlite"));
      const settlements = new DirectSettlements();
      const credits = serveCredits(bus, { store: accounts, ledger, settlements, starterCredits: 1000, loginTtlMs: 60_000, log: () => {} });
      // Chunks over 64 bytes go to the blob store, so the job has blobs to delete.
      const splitter = serveSplitter(bus, { blobs, inlineMaxBytes: 64, log: () => {} });
      scheduler = serveScheduler(bus, { store: opened.store, blobs, settlements, now: () => clock, retentionMs: RETENTION, log: () => {} });
      const gateway = createGateway({ bus, blobs, log: () => {} });
      api = async (method, path, body, key) =>
        gateway.app.request(path, {
          method,
          headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(typeof body === "object" && !(body instanceof Uint8Array) ? { "content-type": "application/json" } : {}) },
          ...(body === undefined ? {} : { body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body) }),
        });
      closeAll = async () => {
        await gateway.close();
        await scheduler.close();
        await splitter.close();
        await credits.close();
        await bus.drain();
        await opened.close();
        await accounts.close();
        await ledger.close();
        rmSync(dir, { recursive: true, force: true });
      };
    });
    afterEach(() => closeAll());

    const signUp = async (email: string) => ((await (await api("POST", "/v1/accounts", { email, password: "a long password" })).json()) as { id: string; apiKey: string });

    /** Submits a job over a 3-line file (one chunk blob per line) and plays a node over the bus until it is done. */
    async function finishedJob(key: string, owner: string): Promise<string> {
      await api("PUT", "/v1/files/lines.txt", ["a", "b", "c"].map((c) => c.repeat(100)).join("\n"), key);
      const res = await api("POST", "/v1/jobs", { program: { runtime: "python", source: "def map(x):\n    return len(x)\n" }, input: { file: "lines.txt" }, chunkSize: 1 }, key);
      const { id } = (await res.json()) as { id: string };
      await until(async () => (await call(bus, subjects.getJob, { owner, jobId: id })).sealed, 5000, "the job to be split");
      const { leases } = await call(bus, subjects.leaseChunks, { nodeId: "node_t", owner: "node_t", max: 10 });
      for (const lease of leases) {
        if (lease.input.kind === "results") throw new Error("no reduce here");
        const items = await readChunkItems(lease.input, blobs);
        await call(bus, subjects.completeChunk, { nodeId: "node_t", jobId: id, index: lease.index, token: lease.token, results: JSON.stringify(items.map((s) => (s as string).length)) });
      }
      return id;
    }

    test("past MEDUSA_RETENTION a done job's chunk state and blobs are gone, GET says 410, the list leaves it out", async () => {
      const alice = await signUp("alice@example.com");
      const bob = await signUp("bob@example.com");
      const jobId = await finishedJob(alice.apiKey, alice.id);
      const done = (await (await api("GET", `/v1/jobs/${jobId}`, undefined, alice.apiKey)).json()) as { state: string; finishedAt: string };
      expect(done.state).toBe("done");
      expect(await (await api("GET", `/v1/jobs/${jobId}/results`, undefined, alice.apiKey)).text()).toBe("100\n100\n100\n");
      expect((await blobs.list(jobBlobsPrefix(jobId))).length).toBe(3);
      expect(await opened.leftovers(jobId)).not.toEqual([]);
      const finishedAt = Date.parse(done.finishedAt);

      // A moment before the retention ends, nothing goes.
      expect(await scheduler.expireFinishedJobs(finishedAt + RETENTION - 1)).toEqual([]);
      expect((await api("GET", `/v1/jobs/${jobId}`, undefined, alice.apiKey)).status).toBe(200);

      clock = finishedAt + RETENTION + 1;
      expect(await scheduler.expireFinishedJobs()).toEqual([jobId]);
      expect(await opened.leftovers(jobId)).toEqual([]);
      expect(await blobs.list(jobBlobsPrefix(jobId))).toEqual([]);

      const gone = await api("GET", `/v1/jobs/${jobId}`, undefined, alice.apiKey);
      expect(gone.status).toBe(410);
      const body = (await gone.json()) as { error: { code: string; message: string; details: { state: string; finishedAt: string } } };
      expect(body.error.code).toBe("gone");
      expect(body.error.message).toBe(`job ${jobId} is gone: it finished at ${done.finishedAt}, and finished jobs are kept for 7 days`);
      expect(body.error.details).toMatchObject({ state: "done", finishedAt: done.finishedAt });
      expect((await api("GET", `/v1/jobs/${jobId}/results`, undefined, alice.apiKey)).status).toBe(410);
      expect((await api("POST", `/v1/jobs/${jobId}/cancel`, undefined, alice.apiKey)).status).toBe(410);
      // Someone else's expired job is not theirs to know about.
      expect((await api("GET", `/v1/jobs/${jobId}`, undefined, bob.apiKey)).status).toBe(404);
      const list = (await (await api("GET", "/v1/jobs", undefined, alice.apiKey)).json()) as { jobs: unknown[]; next: null };
      expect(list).toEqual({ jobs: [], next: null });
    });

    test("a cancelled job's blobs are deleted at once; its chunk state at the end of its retention", async () => {
      const alice = await signUp("carol@example.com");
      await api("PUT", "/v1/files/lines.txt", ["x", "y"].map((c) => c.repeat(100)).join("\n"), alice.apiKey);
      const { id } = (await (await api("POST", "/v1/jobs", { program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { file: "lines.txt" }, chunkSize: 1 }, alice.apiKey)).json()) as { id: string };
      await until(async () => (await blobs.list(jobBlobsPrefix(id))).length === 2, 5000, "the chunk blobs to be written");
      expect((await api("POST", `/v1/jobs/${id}/cancel`, undefined, alice.apiKey)).status).toBe(200);
      await until(async () => (await blobs.list(jobBlobsPrefix(id))).length === 0, 5000, "the cancelled job's blobs to be deleted");
      expect((await api("GET", `/v1/jobs/${id}`, undefined, alice.apiKey)).status).toBe(200);
      clock += RETENTION + 1;
      expect(await scheduler.expireFinishedJobs()).toEqual([id]);
      expect(await opened.leftovers(id)).toEqual([]);
      expect((await api("GET", `/v1/jobs/${id}`, undefined, alice.apiKey)).status).toBe(410);
    });
  });
}
