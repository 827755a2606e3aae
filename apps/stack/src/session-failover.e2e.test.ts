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
 * A session on two gateways, as separate processes on real NATS and Redis
 * (blobs in JetStream: no shared disk). Gateway A has two nodes that know
 * both gateways, B one of its own. The session is made on A and placed on
 * A's nodes; rounds run through A, then through B (HTTP and its WebSocket,
 * passed on to A over the bus); A is SIGKILLed with a slow round in flight
 * through B. B takes the session over when A's lease runs out, places the
 * partitions again on the nodes it has now, runs the round that was in
 * flight once, and the remaining rounds; the books are exact: the consumer
 * pays each completed round once and gets the rest back, the nodes earn
 * exactly what was spent.
 */
const root = resolve(import.meta.dir, "../../..");
const ready = (await natsAvailable()) && (await redisAvailable());
const PRICE = 2;
const PARTITIONS = 4;
const HELD = 100;
const PROGRAM = `
import time

def setup(items):
    return list(items)

def step(state, params):
    time.sleep(params.get("sleep", 0))
    return sum(state) * params["k"]
`;
const parts = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]];
const expected = (k: number) => parts.map((p) => p.reduce((a, b) => a + b, 0) * k);

describe.skipIf(!ready)("a session whose gateway is SIGKILLed mid-round", () => {
  const procs: Subprocess[] = [];
  const output: string[] = [];
  const prefix = testPrefix("session-failover");
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
  const story = () => log().split("\n").filter((l) => !l.includes('"msg":"request"')).join("\n").slice(-6000);
  const waitFor = <T>(check: () => Promise<T | false | null | undefined>, what: string, ms = 30_000) => until(check, ms, what, { everyMs: 100, context: story });
  function service(name: string, script: string, extra: Record<string, string> = {}): Subprocess {
    const data = join(dir, name);
    mkdirSync(data, { recursive: true });
    const env = { MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: prefix, MEDUSA_BLOBS: "jetstream", MEDUSA_DATA_DIR: data, MEDUSA_HOST: "127.0.0.1", MEDUSA_LEASE_SWEEP_MS: "500", ...extra };
    return spawn(name, [script], env);
  }

  let gatewayA: Subprocess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-session-failover-"));
    service("credits", "services/credits/src/main.ts", { MEDUSA_PUBLIC_URL: urlA });
    service("scheduler", "services/scheduler/src/main.ts");
    gatewayA = service("gateway-a", "services/gateway/src/main.ts", { MEDUSA_PORT: String(portA), MEDUSA_PUBLIC_URL: urlA });
    service("gateway-b", "services/gateway/src/main.ts", { MEDUSA_PORT: String(portB), MEDUSA_PUBLIC_URL: urlB });
    await waitFor(async () => ["[credits] serving", "[scheduler] ready"].every((l) => log().includes(l)) && log().split("[gateway] listening").length === 3, "every service to start", 60_000);
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

  test("created on A, used through B, A killed mid-round: B finishes every round once, with exact books", async () => {
    const onA = new MedusaClient(urlA);
    let consumerKey = "";
    await waitFor(async () => (consumerKey = (await onA.signUp("consumer@example.com", "consumer-password")).apiKey), "the first sign-up");
    const volunteerKey = (await onA.signUp("volunteer@example.com", "volunteer-password")).apiKey;
    const [consumerA, consumerB] = [onA.withKey(consumerKey), new MedusaClient(urlB, consumerKey)];
    const [volunteerA, volunteerB] = [onA.withKey(volunteerKey), new MedusaClient(urlB, volunteerKey)];
    for (const email of ["consumer@example.com", "volunteer@example.com"]) {
      const pattern = new RegExp(`email to ${email}[^]*?(http://127\\.0\\.0\\.1:\\d+/v1/accounts/confirm\\?token=[\\w-]+)`);
      const link = await waitFor(async () => pattern.exec(log())?.[1], `the confirmation link for ${email} in the credits log`);
      expect((await fetch(link)).status).toBe(200);
    }
    // Two nodes on A that fail over to B, one on B alone.
    for (const [name, gateways] of [["a1", `${urlA},${urlB}`], ["a2", `${urlA},${urlB}`], ["b1", urlB]] as const) {
      const { nodeToken } = (await (await volunteerA.request("POST", "/v1/nodes", { name })).json()) as { nodeToken: string };
      spawn(name, ["node/src/main.ts", "--gateway", gateways, "--token", nodeToken, "--slots", "1", "--no-ui", "--settings", join(dir, `${name}-settings.json`)], {});
    }
    const online = async () => ((await (await volunteerB.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ state: string }> }).nodes.filter((n) => n.state === "online").length;
    await waitFor(async () => (await online()) === 3, "three nodes online", 60_000);

    const status = await consumerA.createSession({ program: { runtime: "python", source: PROGRAM }, input: { range: { start: 0, stop: 20 } }, partitions: PARTITIONS, pricePerRound: PRICE, maxCredits: HELD, timeoutMs: 120_000 });
    const round = async (client: MedusaClient, n: number, params: unknown) => (await (await client.request("POST", `/v1/sessions/${status.id}/rounds`, { round: n, params })).json()) as { round: number; partials: number[] };
    expect((await round(consumerA, 1, { k: 1 })).partials).toEqual(expected(1));
    expect((await round(consumerA, 2, { k: 2 })).partials).toEqual(expected(2));

    // Gateway B knows the session (it is in the store) and passes its rounds on to A.
    expect(await consumerB.session(status.id)).toMatchObject({ state: "ready", rounds: 2, credits: { held: HELD - 2 * PRICE * PARTITIONS, spent: 2 * PRICE * PARTITIONS } });
    expect((await round(consumerB, 3, { k: 3 })).partials).toEqual(expected(3));
    const socket = consumerB.openSession(status.id);
    await socket.ready();
    expect((await socket.round({ k: 4 })).partials).toEqual(expected(4));
    socket.close();
    expect(log()).not.toContain("session taken over");

    // A slow round through B, and A killed while it runs.
    const slow = round(consumerB, 5, { k: 5, sleep: 3 });
    await Bun.sleep(500);
    gatewayA.kill("SIGKILL");
    await gatewayA.exited;
    const killedAt = Date.now();
    expect((await slow).partials).toEqual(expected(5));
    const recovered = Date.now() - killedAt;
    expect(log()).toContain("session taken over from a gateway that stopped renewing it");
    console.log(`session failover: the round in flight answered ${(recovered / 1000).toFixed(1)} s after its gateway was killed`);

    // The rest on B: the session never ended, no round is lost, none runs twice.
    expect((await round(consumerB, 6, { k: 6 })).partials).toEqual(expected(6));
    const again = await round(consumerB, 6, { k: 6 });
    expect(again.partials).toEqual(expected(6));
    const spent = 6 * PRICE * PARTITIONS;
    expect(await consumerB.session(status.id)).toMatchObject({ state: "ready", rounds: 6, credits: { held: HELD - spent, spent } });
    expect(await consumerB.endSession(status.id)).toMatchObject({ state: "ended", credits: { held: 0, spent } });

    const me = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
    await waitFor(async () => (await me(consumerB)).held === 0 && (await me(volunteerB)).available === 1000 + spent, "the payouts and the refund to settle");
    expect(await me(consumerB)).toEqual({ available: 1000 - spent, held: 0 });
    await Bun.sleep(1_000); // nothing more arrives late
    expect(await me(volunteerB)).toEqual({ available: 1000 + spent, held: 0 });
  }, 300_000);
});
