import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wasm } from "@medusa/testing/wat-fixtures";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** The embedded default as a user meets it: one process, two local nodes, the public API over HTTP. */
let dir: string;
let stack: Stack;
let alice: MedusaClient;
let bob: MedusaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-e2e-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "2", MEDUSA_NODE_SLOTS: "1" }), () => {});
  const anon = new MedusaClient(stack.url);
  alice = anon.withKey((await anon.signUp("alice@example.com", "alice-password")).apiKey);
  bob = anon.withKey((await anon.signUp("bob@example.com", "bob-password")).apiKey);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const python = (source: string) => ({ runtime: "python" as const, source });


describe("embedded stack, end to end", () => {
  test("a 100,000-line uploaded file in chunks of 1000 returns 100,000 results in input order", async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `line-${i}`).join("\n") + "\n";
    const uploaded = (await alice.upload("data/lines.txt", lines)) as { size: number };
    expect(uploaded.size).toBe(lines.length);
    const job = await alice.submit({
      program: python("def map(line):\n    return int(line.split('-')[1]) * 2\n"),
      input: { file: "data/lines.txt", format: "lines" },
      chunkSize: 1000,
    });
    const status = await alice.follow(job.id);
    expect(status.state).toBe("done");
    expect(status.chunks.total).toBe(100);
    const results = await alice.results(job.id);
    expect(results).toHaveLength(100_000);
    expect(results.every((r, i) => r === i * 2)).toBe(true);
  }, 120_000);

  test("a range job with chunkSize 1 and 2,000 items returns them in order", async () => {
    const job = await alice.submit({ program: python("def map(x):\n    return x * 3\n"), input: { range: { start: 0, stop: 2000 } }, chunkSize: 1 });
    const status = await alice.follow(job.id);
    expect(status.state).toBe("done");
    expect(status.chunks.total).toBe(2000);
    const results = await alice.results(job.id);
    expect(results).toEqual(Array.from({ length: 2000 }, (_, i) => i * 3));
  }, 120_000);

  test("a program that raises on one item fails its job, naming the exception and the item", async () => {
    const job = await alice.submit({
      program: python("def map(x):\n    return 10 // (x - 7)\n"),
      input: { range: { start: 0, stop: 20 } },
      chunkSize: 5,
    });
    const status = await alice.follow(job.id);
    expect(status.state).toBe("failed");
    expect(status.error).toContain("ZeroDivisionError");
    expect(status.error).toContain("item 7");
    // What finished is served in input order; each chunk that did not is one line naming the job's error.
    const lines = await alice.results(job.id);
    const marker = (chunk: number) => ({ error: status.error, chunk });
    const expected: unknown[] = [];
    for (let chunk = 0, at = 0; chunk < 4; chunk++) {
      const values = Array.from({ length: 5 }, (_, i) => Math.floor(10 / (chunk * 5 + i - 7)));
      const finished = chunk !== 1 && JSON.stringify(lines.slice(at, at + 5)) === JSON.stringify(values);
      expected.push(...(finished ? values : [marker(chunk)]));
      at += finished ? 5 : 1;
    }
    expect(lines).toEqual(expected);
    expect(lines).toContainEqual(marker(1));
  }, 60_000);

  test("a program that does not compile fails its job on the first attempt, naming the line", async () => {
    const job = await alice.submit({ program: python("def map(x):\n    return (x * 2\n"), input: { range: { start: 0, stop: 20 } }, chunkSize: 5 });
    const status = await alice.follow(job.id);
    expect(status.state).toBe("failed");
    expect(status.error).toStartWith("the program does not compile, so no chunk was retried: SyntaxError: ");
    expect(status.error).toContain("(line 2)");
    expect(status.chunks.done).toBe(0);
  }, 60_000);

  test("a WASI module runs as a map: one JSON line in, one out", async () => {
    await alice.upload("echo.wasm", await wasm("echo"));
    const items = [1, "two", { three: [3] }, null];
    const job = await alice.submit({ program: { runtime: "wasi", module: "echo.wasm" }, input: { items }, chunkSize: 2 });
    expect((await alice.follow(job.id)).state).toBe("done");
    expect(await alice.results(job.id)).toEqual(items);
  }, 60_000);

  test("reduce returns one value", async () => {
    const job = await alice.submit({
      program: python("def map(x):\n    return x * x\n\ndef reduce(rs):\n    return {'sum': sum(rs), 'n': len(rs)}\n"),
      input: { range: { start: 1, stop: 101 } },
      chunkSize: 10,
    });
    expect((await alice.follow(job.id)).state).toBe("done");
    expect(JSON.parse(await alice.resultText(job.id))).toEqual({ sum: 338350, n: 100 });
  }, 60_000);

  test("bad requests get 400s naming the field; unknown and foreign jobs are 404", async () => {
    const raw = await fetch(`${stack.url}/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${alice.apiKey}`, "content-type": "application/json" }, body: "{not json" });
    expect(raw.status).toBe(400);
    const wrongType = await alice.submit({ program: python("def map(x): return x"), input: { items: [1] }, chunkSize: "ten" as unknown as number }).catch((e) => e);
    expect((wrongType as ApiError).status).toBe(400);
    expect((wrongType as ApiError).message).toContain("chunkSize");
    const noMap = await alice.submit({ program: { runtime: "ruby" } as never, input: { items: [1] } }).catch((e) => e);
    expect((noMap as ApiError).status).toBe(400);
    expect((noMap as ApiError).message).toContain("program");
    const missingFile = await alice.submit({ program: python("def map(x): return x"), input: { file: "nope.txt", format: "lines" } }).catch((e) => e);
    expect((missingFile as ApiError).status).toBe(400);
    expect((missingFile as ApiError).message).toContain("input.file");

    expect(((await alice.job("job_doesnotexist").catch((e) => e)) as ApiError).status).toBe(404);
    const mine = await alice.submit({ program: python("def map(x): return x"), input: { items: [1, 2] } });
    expect(((await bob.job(mine.id).catch((e) => e)) as ApiError).status).toBe(404);
    expect(((await bob.resultText(mine.id).catch((e) => e)) as ApiError).status).toBe(404);
    expect(((await bob.cancel(mine.id).catch((e) => e)) as ApiError).status).toBe(404);
    expect((await alice.follow(mine.id)).state).toBe("done");
  }, 60_000);

  test("cancel stops a running job", async () => {
    const job = await alice.submit({
      program: python("def map(x):\n    s = 0\n    for i in range(200000):\n        s += i\n    return s\n"),
      input: { range: { start: 0, stop: 2000 } },
      chunkSize: 10,
    });
    const cancelled = await alice.cancel(job.id);
    expect(cancelled.state).toBe("cancelled");
    const later = await alice.job(job.id);
    expect(later.state).toBe("cancelled");
    expect(later.chunks.done).toBeLessThan(later.chunks.total || 200);
  }, 60_000);

  test("GET /v1/jobs pages newest first with limit, before and next, past any cap on one page", async () => {
    const carol = new MedusaClient(stack.url).withKey((await new MedusaClient(stack.url).signUp("carol@example.com", "carol-password")).apiKey);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await carol.submit({ name: `j${i}`, program: python("def map(x):\n    return x\n"), input: { items: [i] } })).id);
    const seen: string[] = [];
    let page = await carol.jobs({ limit: 2 });
    const sizes = [page.jobs.length];
    seen.push(...page.jobs.map((j) => j.id));
    while (page.next) {
      page = await carol.jobs({ limit: 2, before: page.next });
      sizes.push(page.jobs.length);
      seen.push(...page.jobs.map((j) => j.id));
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...made].reverse());
    expect((await carol.jobs()).next).toBeNull();
    const alices = await alice.submit({ program: python("def map(x):\n    return x\n"), input: { items: [1] } });
    const foreign = await carol.jobs({ before: alices.id }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 400, code: "invalid_field" });
    expect((foreign as ApiError).message).toContain("before: ");
    // Nothing left running for the stack to wait on when it stops.
    for (const id of [...made, alices.id]) await (id === alices.id ? alice : carol).cancel(id);
  }, 60_000);
});
