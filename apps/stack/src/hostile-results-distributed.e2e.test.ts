import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { compileWat } from "@medusa/testing/wat-fixtures";
import { NatsBus } from "@medusa/adapters";
import { limits } from "@medusa/core";
import { MedusaClient } from "@medusa/client";

/**
 * The distributed shape under a hostile result: gateway, scheduler, splitter
 * and credits as their own processes on NATS and Redis, and two node
 * processes of different owners. A 100,000-deep result with `replicas: 2`
 * fails its chunk with the depth error; afterwards every one of the six
 * processes is alive and an honest replicated job finishes.
 */
const root = resolve(import.meta.dir, "../../..");
const ready = (await natsAvailable()) && (await redisAvailable());
const DEPTH = 100_000;
/** What the test server carries in one message (1 MiB unless configured). */
const maxPayload = ready ? await NatsBus.connect(TEST_NATS_URL).then(async (bus) => [bus.nc.info!.max_payload, await bus.drain()][0] as number) : 0;

const deepWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (func (export "_start")
    (memory.fill (i32.const 1024) (i32.const 91) (i32.const ${DEPTH}))
    (memory.fill (i32.const ${1024 + DEPTH}) (i32.const 93) (i32.const ${DEPTH}))
    (i32.store8 (i32.const ${1024 + 2 * DEPTH}) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const ${2 * DEPTH + 1}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

describe.skipIf(!ready)("a hostile result against the distributed stack", () => {
  const procs = new Map<string, Subprocess>();
  const output: string[] = [];
  let dir: string;
  let url: string;

  function spawn(name: string, args: string[], env: Record<string, string>): void {
    const proc = Bun.spawn([process.execPath, ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        for await (const chunk of stream) output.push(`[${name}] ${new TextDecoder().decode(chunk)}`);
      })();
    }
    procs.set(name, proc);
  }

  const waitFor = <T>(check: () => Promise<T | null | false>, what: string, ms = 60_000) => until(check, ms, what, { everyMs: 200, context: () => output.join("").slice(-4000) });
  const signUp = async (email: string) => {
    const anon = new MedusaClient(url);
    return anon.withKey(await waitFor(async () => (await anon.signUp(email, "a long password")).apiKey, `sign-up of ${email}`));
  };
  const dead = () => [...procs].filter(([, p]) => p.exitCode !== null || p.signalCode !== null).map(([name]) => name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-hostile-dist-"));
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    url = `http://127.0.0.1:${port}`;
    const env = { MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("hostile"), MEDUSA_DATA_DIR: dir, MEDUSA_PORT: String(port), MEDUSA_HOST: "127.0.0.1",
      // Not what this test is about: no email to confirm, and both nodes run on this one machine (one network origin).
      MEDUSA_CONFIRM_EMAIL: "0", MEDUSA_DISTINCT_ORIGINS: "0" };
    for (const service of ["credits", "scheduler", "splitter", "gateway"]) spawn(service, [`services/${service}/src/main.ts`], env);
    const started = ["[credits] serving", "[scheduler] ready", "[splitter] serving", "[gateway] listening"];
    await waitFor(async () => started.every((line) => output.some((o) => o.includes(line))), "every service to start");
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "gateway health");
    for (const owner of ["ada", "bo"]) {
      const volunteer = await signUp(`${owner}@example.com`);
      const { nodeToken } = (await (await volunteer.request("POST", "/v1/nodes", { name: owner })).json()) as { nodeToken: string };
      spawn(`node-${owner}`, ["node/src/main.ts", "--token", nodeToken, "--slots", "1"], { MEDUSA_GATEWAY: url });
    }
    await waitFor(async () => output.filter((o) => o.includes("[node] ready: a runner has started")).length >= 2, "both nodes ready", 180_000);
  }, 300_000);

  afterAll(async () => {
    for (const p of procs.values()) p.kill("SIGKILL");
    await Promise.all([...procs.values()].map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  test("100,000 deep with replicas: 2: the chunk fails with the depth error, all six processes live, an honest job finishes", async () => {
    const consumer = await signUp("consumer@example.com");
    await consumer.upload("deep.wasm", await compileWat("deep", deepWat));

    const ended = (id: string) => waitFor(async () => {
      const job = await consumer.job(id);
      return job.state === "done" || job.state === "failed" ? job : null;
    }, `job ${id} ending`, 180_000);
    const hostile = await consumer.submit({ program: { runtime: "wasi", module: "deep.wasm" }, input: { items: [1] }, chunkSize: 1, replicas: 2, maxAttempts: 2 });
    const failed = await ended(hostile.id);
    expect(failed.state).toBe("failed");
    expect(failed.error).toContain("result nests deeper than 64 levels");
    expect(dead()).toEqual([]);

    const honest = await consumer.submit({ program: { runtime: "python", source: "def map(x):\n    return x * 2\n" }, input: { items: [1, 2, 3] }, chunkSize: 1, replicas: 2 });
    expect((await ended(honest.id)).state).toBe("done");
    expect(await consumer.results(honest.id)).toEqual([2, 4, 6]);
    expect(dead()).toEqual([]);
    expect(procs.size).toBe(6);
  }, 480_000);

  // A server configured as compose.yaml carries any result: then there is nothing to refuse, and the test says it skipped.
  test.skipIf(maxPayload >= limits.resultBytes)("a result within the 16 MiB limit but over what this NATS carries in one message: the attempt fails naming the bus, nothing hangs", async () => {
    const consumer = await signUp("big@example.com");
    const job = await consumer.submit({ program: { runtime: "python", source: "def map(n):\n    return 'x' * n\n" }, input: { items: [maxPayload + 1] }, chunkSize: 1, maxAttempts: 2 });
    const ended = await waitFor(async () => {
      const j = await consumer.job(job.id);
      return j.state === "done" || j.state === "failed" ? j : null;
    }, "the job ending", 180_000);
    expect(ended.state).toBe("failed");
    expect(ended.error).toBe("chunk 0 failed 2 times: result is over the largest message this deployment's bus carries");
    expect(dead()).toEqual([]);
  }, 300_000);
});
