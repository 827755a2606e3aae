import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** @medusa/client against the embedded stack: typed calls through the route table, errors, resumable uploads, streamed results. */
let dir: string;
let stack: Stack;
let alice: MedusaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-client-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
  const anon = new MedusaClient(stack.url);
  alice = anon.withKey((await anon.signUp("alice@example.com", "alice-password")).apiKey);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const thrown = (promise: Promise<unknown>) => promise.then(() => { throw new Error("expected an ApiError"); }, (err: unknown) => err as ApiError);

describe("@medusa/client", () => {
  test("typed calls answer what the route table says; errors are ApiError with status, code and field", async () => {
    const me = await alice.me();
    expect(me.email).toBe("alice@example.com");
    expect(me.credits.available).toBeGreaterThan(0);
    const pricing = await alice.call("pricing", {});
    expect(pricing.pricePerChunk).toBeGreaterThanOrEqual(0);

    const bad = await thrown(new MedusaClient(stack.url, "not-a-key").me());
    expect(bad).toBeInstanceOf(ApiError);
    expect([bad.status, bad.code]).toEqual([401, "unauthorized"]);

    const invalid = await thrown(alice.submit({ program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { items: [1] }, chunkSize: 0 }));
    expect([invalid.status, invalid.code, invalid.field]).toEqual([400, "invalid_field", "chunkSize"]);
    const missing = await thrown(alice.job("job_nope"));
    expect(missing.status).toBe(404);

    // @ts-expect-error a job's id is required: the route's path says so
    await expect(alice.call("getJob", {})).rejects.toThrow("path parameter id is missing");
  });

  test("uploadFile resumes an interrupted upload from where the gateway's copy ends", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    // The first piece, as an upload whose connection then dropped would have left it.
    await fetch(`${stack.url}/v1/files/data/blob.bin`, { method: "PUT", headers: { authorization: `Bearer ${alice.apiKey}`, "content-range": `bytes 0-99999/300000` }, body: bytes.slice(0, 100_000) });
    const progress: number[] = [];
    const info = (await alice.uploadFile("data/blob.bin", new Blob([bytes]), { pieceBytes: 64 * 1024, onProgress: (sent) => progress.push(sent) })) as { size: number };
    expect(info.size).toBe(300_000);
    expect(progress[0]).toBe(100_000);
    expect(progress.at(-1)).toBe(300_000);
    expect(new Uint8Array(await (await alice.download("data/blob.bin")).arrayBuffer())).toEqual(bytes);
    expect((await alice.files()).files.map((f) => f.path)).toContain("data/blob.bin");
  });

  test("run(spec, {wait}) submits and waits in one request; a job that outlasts the submit's wait is finished on the results route", async () => {
    const inc = { runtime: "python" as const, source: "def map(x):\n    if x < 0:\n        raise ValueError('negative')\n    if x == 99:\n        import time\n        time.sleep(2)\n    return x + 1\n" };
    const done = await alice.run({ program: inc, input: { items: [1, 2, 3] }, chunkSize: 2 }, { wait: 120 });
    expect([done.state, done.results, done.chunks.done]).toEqual(["done", [2, 3, 4], 2]);

    const failed = await alice.run({ program: inc, input: { items: [1, -1] }, chunkSize: 1, maxAttempts: 1 }, { wait: 120 });
    expect(failed.state).toBe("failed");
    expect(failed.results![0]).toBe(2);
    expect(failed.results![1]).toMatchObject({ chunk: 1, error: expect.stringContaining("negative") });

    const started = Date.now();
    const slow = await alice.run({ program: inc, input: { items: [99] }, chunkSize: 1 }, { wait: 120, submitWait: 0.5 });
    expect([slow.state, slow.results]).toEqual(["done", [100]]);
    expect(Date.now() - started).toBeGreaterThan(1_500);
  }, 150_000);

  test("results(…, {wait}) and resultItems stream a job's results without polling", async () => {
    const job = await alice.submit({ program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { range: { stop: 50 } }, chunkSize: 10 });
    const items: unknown[] = [];
    for await (const item of alice.resultItems(job.id, { wait: 120 })) items.push(item);
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await alice.results(job.id, { wait: 5 })).toEqual(items);
    const rest: unknown[] = [];
    for await (const item of alice.resultItems(job.id, { offset: 45 })) rest.push(item);
    expect(rest).toEqual([46, 47, 48, 49, 50]);
  }, 150_000);
});
