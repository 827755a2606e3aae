import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { connect } from "nats";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { MedusaClient } from "@medusa/client";

/**
 * Two gateways as separate processes on real NATS and Redis, beside one
 * scheduler, splitter and credits service, each with a data folder of its
 * own (blobs in JetStream: no shared disk). Node "mover" knows both
 * gateways, node "stranded" only the first. Both start on the first
 * gateway, which is SIGKILLed mid-job: the mover goes on through the second,
 * the stranded node's chunks come back when its presence expires (seconds,
 * where its leases would have run two minutes), the job finishes with every
 * result in order, and the surviving gateway lists the mover online.
 */
const root = resolve(import.meta.dir, "../../..");
const ready = (await natsAvailable()) && (await redisAvailable());
const CHUNKS = 40;
const TIMEOUT_MS = 60_000; // a lease would expire 2 × this + 5 s after it was taken

describe.skipIf(!ready)("two gateways, one SIGKILLed mid-job", () => {
  const procs: Subprocess[] = [];
  const output: string[] = [];
  const prefix = testPrefix("failover");
  let dir: string;
  const port = () => 20_000 + Math.floor(Math.random() * 30_000);
  const [portA, portB] = [port(), port()];
  const [urlA, urlB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];

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
  const log = () => output.join("");
  /** What went on, without the gateways' request lines. */
  const story = () => log().split("\n").filter((l) => !l.includes('"msg":"request"')).join("\n").slice(-6000);
  const waitFor = <T>(check: () => Promise<T | false | null | undefined>, what: string, ms = 30_000) => until(check, ms, what, { everyMs: 100, context: story });
  /** Each service in a data folder of its own: whatever they share goes through NATS or Redis. */
  function service(name: string, script: string, extra: Record<string, string> = {}): Subprocess {
    const data = join(dir, name);
    mkdirSync(data, { recursive: true });
    const env = { MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: prefix, MEDUSA_BLOBS: "jetstream", MEDUSA_DATA_DIR: data, MEDUSA_HOST: "127.0.0.1", MEDUSA_LEASE_SWEEP_MS: "500", ...extra };
    return spawn(name, [script], env);
  }

  let gatewayA: Subprocess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-failover-"));
    // Confirmation links point at gateway A. The gateways themselves advertise no URL: the stranded node must not learn B.
    service("credits", "services/credits/src/main.ts", { MEDUSA_PUBLIC_URL: urlA });
    for (const name of ["scheduler", "splitter"]) service(name, `services/${name}/src/main.ts`);
    gatewayA = service("gateway-a", "services/gateway/src/main.ts", { MEDUSA_PORT: String(portA) });
    service("gateway-b", "services/gateway/src/main.ts", { MEDUSA_PORT: String(portB) });
    await waitFor(async () => ["[credits] serving", "[scheduler] ready", "[splitter] serving"].every((l) => log().includes(l)) && log().split("[gateway] listening").length === 3, "every service to start", 60_000);
    for (const url of [urlA, urlB]) await waitFor(async () => (await fetch(`${url}/healthz`)).ok, `${url} health`);
  }, 90_000);

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    const nc = await connect({ servers: TEST_NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`OBJ_${prefix}_blobs`).catch(() => {});
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the mover finishes the job through the other gateway; the stranded node's chunks come back within seconds", async () => {
    const onA = new MedusaClient(urlA);
    let consumerKey = "";
    await waitFor(async () => (consumerKey = (await onA.signUp("consumer@example.com", "consumer-password")).apiKey), "the first sign-up");
    const volunteerKey = (await onA.signUp("volunteer@example.com", "volunteer-password")).apiKey;
    const [consumerA, consumerB] = [onA.withKey(consumerKey), new MedusaClient(urlB, consumerKey)];
    const [volunteerA, volunteerB] = [onA.withKey(volunteerKey), new MedusaClient(urlB, volunteerKey)];
    // The services alone require email confirmation; with no SMTP server the credits service logs each link.
    for (const email of ["consumer@example.com", "volunteer@example.com"]) {
      const pattern = new RegExp(`email to ${email}[^]*?(http://127\\.0\\.0\\.1:\\d+/v1/accounts/confirm\\?token=[\\w-]+)`);
      const link = await waitFor(async () => pattern.exec(log())?.[1], `the confirmation link for ${email} in the credits log`);
      expect((await fetch(link)).status).toBe(200);
    }
    const ids: Record<string, string> = {};
    for (const name of ["mover", "stranded"]) {
      const { nodeId, nodeToken } = (await (await volunteerA.request("POST", "/v1/nodes", { name })).json()) as { nodeId: string; nodeToken: string };
      ids[name] = nodeId;
      const gateways = name === "mover" ? `${urlA},${urlB}` : urlA;
      spawn(name, ["node/src/main.ts", "--gateway", gateways, "--token", nodeToken, "--slots", "1", "--no-ui", "--settings", join(dir, `${name}-settings.json`)], {});
    }
    const states = async (client: MedusaClient) => {
      const { nodes } = (await (await client.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ nodeId: string; state: string }> };
      return Object.fromEntries(nodes.map((n) => [n.nodeId, n.state]));
    };
    // Both nodes are on gateway A, and gateway B says so too: presence is shared.
    await waitFor(async () => Object.values(await states(volunteerB)).filter((s) => s === "online").length === 2, "both nodes online, as gateway B sees them", 60_000);

    // The input goes in through gateway B and the splitter reads it from JetStream: no disk is shared.
    await consumerB.upload("in.txt", Array.from({ length: CHUNKS }, (_, i) => String(i)).join("\n") + "\n");
    const source = "import time\n\ndef map(x):\n    time.sleep(0.3)\n    return int(x) * 7\n";
    const job = await consumerB.submit({ program: { runtime: "python", source }, input: { file: "in.txt", format: "lines" }, chunkSize: 1, timeoutMs: TIMEOUT_MS });
    await waitFor(async () => (await consumerB.job(job.id)).chunks.done >= 8, "a fifth of the job", 180_000);
    gatewayA.kill("SIGKILL");
    await gatewayA.exited;
    const killedAt = Date.now();

    // The mover's chunks go back as it opens its socket on B; the stranded node's when its presence expires.
    const moverBack = await waitFor(async () => new RegExp(`"msg":"chunks a node held put back".*"nodeId":"${ids.mover}","requeued":(\\d+)`).exec(log()), "gateway B to put the mover's chunks back", 30_000);
    const moverMs = Date.now() - killedAt;
    const strandedBack = await waitFor(async () => new RegExp(`node ${ids.stranded} went silent with its gateway \\S+: (\\d+) chunk\\(s\\) put back`).exec(log()), "the scheduler to put the stranded node's chunks back", 30_000);
    const strandedMs = Date.now() - killedAt;
    expect(Number(moverBack[1]) + Number(strandedBack[1])).toBeGreaterThan(0);
    console.log(`gateway failover: the mover's ${moverBack[1]} chunk(s) back after ${(moverMs / 1000).toFixed(1)} s, the stranded node's ${strandedBack[1]} after ${(strandedMs / 1000).toFixed(1)} s`);
    await waitFor(async () => (await states(volunteerB))[ids.mover!] === "online", "the mover online on gateway B", 30_000);
    await waitFor(async () => (await states(volunteerB))[ids.stranded!] === "offline", "the stranded node offline once its presence expired", 30_000);
    expect(log()).toContain(`[node] disconnected from ${urlA}`);

    await waitFor(async () => (await consumerB.job(job.id)).state !== "running", "the job to end", 100_000);
    const recovered = Date.now() - killedAt;
    const final = await consumerB.job(job.id);
    expect(final.state).toBe("done");
    expect(final.chunks.done).toBe(CHUNKS);
    expect(await consumerB.results(job.id)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i * 7));
    // Chunks held by the stranded node waited no lease out (that alone would be 2 × timeout + 5 s).
    expect(recovered).toBeLessThan(2 * TIMEOUT_MS);
    console.log(`gateway failover: job done ${(recovered / 1000).toFixed(1)} s after the gateway was killed`);

    const me = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
    await waitFor(async () => (await me(consumerB)).held === 0 && (await me(volunteerB)).available === 1000 + CHUNKS, "settlement");
    expect(await me(consumerB)).toEqual({ available: 1000 - CHUNKS, held: 0 });
  }, 420_000);
});
