import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** Credits through the public API of the embedded stack, with one real local node: starter grant 500, price 2. */
let dir: string;
let stack: Stack;
let anon: MedusaClient;
let operator: MedusaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-credits-api-"));
  const env = stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1", MEDUSA_STARTER_CREDITS: "500", MEDUSA_PRICE_PER_CHUNK: "2" });
  stack = await startStack(env, () => {});
  anon = new MedusaClient(stack.url);
  operator = anon.withKey(stack.operator.apiKey!);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const python = { runtime: "python" as const, source: "def map(x):\n    return x * 2\n" };
async function settled(client: MedusaClient) {
  for (let i = 0; i < 200; i++) {
    const me = await client.me();
    if (me.credits.held === 0) return me.credits;
    await Bun.sleep(50);
  }
  throw new Error("escrow never emptied");
}
async function refusal(work: Promise<unknown>): Promise<ApiError> {
  const err = await work.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("credits over the API", () => {
  test("GET /v1/pricing tells the default price and starter grant without credentials", async () => {
    expect(await (await anon.request("GET", "/v1/pricing")).json()).toEqual({ pricePerChunk: 2, starterCredits: 500 });
  });

  test("POST /v1/jobs/quote answers what submitting holds, for anyone, and moves nothing", async () => {
    const consumer = anon.withKey((await anon.signUp("quinn@example.com", "quinn-password")).apiKey);
    const spec = { program: { runtime: "python" as const, source: "def map(x):\n    return x\n\ndef reduce(rs):\n    return sum(rs)\n" }, input: { range: { start: 0, stop: 50 } }, chunkSize: 10, replicas: "auto" as const };
    const quoted = await anon.quote(spec);
    expect(quoted).toEqual({ chunks: 6, exact: true, reduce: true, replicas: 2, pricePerChunk: 2, worstCase: 24, held: 24 });
    expect(await consumer.quote(spec)).toEqual(quoted);
    expect((await consumer.me()).credits).toEqual({ available: 500, held: 0 });
    const job = await consumer.submit(spec);
    expect((await consumer.me()).credits.held).toBe(quoted.held);
    await consumer.cancel(job.id);
    const refused = await anon.quote({ ...spec, maxCredits: 23 });
    const submitted = await refusal(consumer.submit({ ...spec, maxCredits: 23 }));
    expect(submitted.status).toBe(402);
    expect(submitted.message).toEndWith(refused.refused!);
    await consumer.upload("in.txt", "1\n2\n3\n");
    expect(await consumer.quote({ ...spec, input: { file: "in.txt" } })).toMatchObject({ chunks: 2, exact: false, worstCase: 8 });
    expect((await refusal(anon.quote({ ...spec, input: { file: "in.txt" } }))).status).toBe(401);
  }, 30_000);

  test("after a job, the consumer's and the node owner's GET /v1/me add up exactly", async () => {
    const consumer = anon.withKey((await anon.signUp("ada@example.com", "ada-password")).apiKey);
    const before = await settled(operator);
    const job = await consumer.submit({ program: python, input: { range: { start: 0, stop: 50 } }, chunkSize: 5, maxCredits: 40 });
    expect((await consumer.me()).credits).toEqual({ available: 480, held: 20 });
    const final = await consumer.follow(job.id);
    expect(final.state).toBe("done");
    expect(await settled(consumer)).toEqual({ available: 480, held: 0 });
    expect((await settled(operator)).available).toBe(before.available + 20);
    expect((await consumer.job(job.id)).credits).toEqual({ held: 0, spent: 20 });
    const { nodes } = (await (await operator.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ chunksDone: number; creditsEarned: number }> };
    expect(nodes[0]!.creditsEarned).toBeGreaterThanOrEqual(20);
  }, 60_000);

  test("GET /v1/me/ledger pages newest first and names each movement; a bad query is 400", async () => {
    const consumer = anon.withKey((await anon.signUp("bob@example.com", "bob-password")).apiKey);
    const job = await consumer.submit({ program: python, input: { items: [1, 2, 3] }, chunkSize: 1 });
    await consumer.cancel(job.id);
    await settled(consumer);
    const first = await consumer.ledger({ limit: 2 });
    expect(first.entries[0]).toMatchObject({ reason: "refund", jobId: job.id, to: expect.any(String) });
    expect(first.next).not.toBeNull();
    const rest = await consumer.ledger({ limit: 50, before: first.next! });
    const all = [...first.entries, ...rest.entries];
    expect(all.at(-1)).toMatchObject({ reason: "grant", amount: 500, from: "mint" });
    expect(all.find((e) => e.reason === "hold")).toMatchObject({ amount: 6, jobId: job.id });
    const paid = all.filter((e) => e.reason === "payout").reduce((s, e) => s + e.amount, 0);
    expect(all.find((e) => e.reason === "refund")!.amount).toBe(6 - paid);
    expect((await refusal(consumer.request("GET", "/v1/me/ledger?limit=0"))).status).toBe(400);
    expect((await refusal(consumer.request("GET", "/v1/me/ledger?before=abc"))).code).toBe("invalid_field");
    expect((await refusal(anon.request("GET", "/v1/me/ledger"))).status).toBe(401);
  }, 30_000);

  test("a job over maxCredits, or over the balance, is 402 saying what it would cost, and nothing moves", async () => {
    const consumer = anon.withKey((await anon.signUp("eve@example.com", "eve-password")).apiKey);
    const over = await refusal(consumer.submit({ program: python, input: { range: { start: 0, stop: 100 } }, chunkSize: 10, maxCredits: 19 }));
    expect(over.status).toBe(402);
    expect(over.message).toContain("up to 20 credits (10 chunks × 1 replicas × 2 per chunk), more than maxCredits 19");
    const poor = await refusal(consumer.submit({ program: python, input: { range: { start: 0, stop: 251 } }, chunkSize: 1 }));
    expect(poor.status).toBe(402);
    expect(poor.message).toContain("this job needs 502 credits held in escrow, but only 500 are available");
    const wrong = await refusal(consumer.submit({ program: python, input: { items: [1] }, pricePerChunk: -1 } as never));
    expect(wrong.message).toContain("invalid_field: pricePerChunk: ");
    expect((await consumer.me()).credits).toEqual({ available: 500, held: 0 });
    expect((await consumer.ledger()).entries.map((e) => e.reason)).toEqual(["grant"]);
  });
});
