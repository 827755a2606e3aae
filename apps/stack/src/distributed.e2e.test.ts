import { until } from "@medusa/testing/until";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import type { Subprocess } from "bun";
import { MedusaClient } from "@medusa/client";

/**
 * The distributed shape: gateway, scheduler, splitter and credits as separate
 * processes on real NATS and Redis, two node processes, and one node killed
 * with SIGKILL mid-job. The job must still finish with every result, in order.
 */
const root = resolve(import.meta.dir, "../../..");
const ready = (await natsAvailable()) && (await redisAvailable());

describe.skipIf(!ready)("distributed stack, end to end", () => {
  const procs: Subprocess[] = [];
  const output: string[] = [];
  let dir: string;
  let url: string;

  function spawn(name: string, args: string[], env: Record<string, string>): Subprocess {
    const proc = Bun.spawn([process.execPath, ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        for await (const chunk of stream) output.push(`[${name}] ${new TextDecoder().decode(chunk)}`);
      })();
    }
    procs.push(proc);
    return proc;
  }

  const waitFor = (check: () => Promise<boolean>, what: string, ms = 30_000) => until(check, ms, what, { everyMs: 100, context: () => output.join("").slice(-4000) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-dist-"));
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    url = `http://127.0.0.1:${port}`;
    const env = { MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("e2e"), MEDUSA_DATA_DIR: dir, MEDUSA_PORT: String(port), MEDUSA_HOST: "127.0.0.1", MEDUSA_PUBLIC_URL: `http://127.0.0.1:${port}` };
    for (const service of ["credits", "scheduler", "splitter", "gateway"]) spawn(service, [`services/${service}/src/main.ts`], env);
    // Each service says when it serves; only then can the others' requests find it.
    const started = ["[credits] serving", "[scheduler] ready", "[splitter] serving", "[gateway] listening"];
    await waitFor(async () => started.every((line) => output.some((o) => o.includes(line))), "every service to start");
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "gateway health");
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  test("a node killed with SIGKILL mid-job loses no chunk: the job finishes with every result in order", async () => {
    const anon = new MedusaClient(url);
    let consumerKey = "";
    await waitFor(async () => Boolean((consumerKey = (await anon.signUp("consumer@example.com", "consumer-password")).apiKey)), "the first sign-up");
    const consumer = anon.withKey(consumerKey);
    const volunteer = anon.withKey((await anon.signUp("volunteer@example.com", "volunteer-password")).apiKey);
    // The services alone require email confirmation; with no SMTP server the credits service logs each link.
    for (const email of ["consumer@example.com", "volunteer@example.com"]) {
      const pattern = new RegExp(`email to ${email}[^]*?(http://127\\.0\\.0\\.1:\\d+/v1/accounts/confirm\\?token=[\\w-]+)`);
      let link = "";
      await waitFor(async () => Boolean((link = pattern.exec(output.join(""))?.[1] ?? "")), `the confirmation link for ${email} in the credits log`);
      expect((await fetch(link)).status).toBe(200);
    }
    const tokens: string[] = [];
    for (const name of ["doomed", "survivor"]) {
      const res = await volunteer.request("POST", "/v1/nodes", { name });
      tokens.push(((await res.json()) as { nodeToken: string }).nodeToken);
    }
    const nodeEnv = { MEDUSA_GATEWAY: url };
    const doomed = spawn("node-doomed", ["node/src/main.ts", "--token", tokens[0]!, "--slots", "1"], nodeEnv);
    spawn("node-survivor", ["node/src/main.ts", "--token", tokens[1]!, "--slots", "1"], nodeEnv);
    await waitFor(async () => {
      const res = await volunteer.request("GET", "/v1/nodes");
      const { nodes } = (await res.json()) as { nodes: Array<{ state: string }> };
      return nodes.filter((n) => n.state === "online").length === 2;
    }, "both nodes online", 60_000);

    const source = "def map(x):\n    s = 0\n    for i in range(3000):\n        s += i\n    return x * 7 + s - s\n";
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: 3000 } }, chunkSize: 10 });
    await waitFor(async () => (await consumer.job(job.id)).chunks.done >= 60, "a fifth of the job", 60_000);
    doomed.kill("SIGKILL");
    await doomed.exited;
    const midway = await consumer.job(job.id);
    expect(midway.chunks.done).toBeLessThan(300);

    await waitFor(async () => (await consumer.job(job.id)).state !== "running", "the job to end", 120_000);
    const final = await consumer.job(job.id);
    expect(final.state).toBe("done");
    expect(final.chunks.done).toBe(300);
    const results = await consumer.results(job.id);
    expect(results).toEqual(Array.from({ length: 3000 }, (_, i) => i * 7));

    // Settled through JetStream: 300 accepted chunks at the default price of 1, whichever node ran them.
    const me = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
    await waitFor(async () => (await me(consumer)).held === 0 && (await me(volunteer)).available === 1300, "settlement");
    expect(await me(consumer)).toEqual({ available: 700, held: 0 });
    expect((await consumer.job(job.id)).credits).toEqual({ held: 0, spent: 300 });
  }, 240_000);
});
