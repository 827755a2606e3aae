import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventFollower } from "@medusa/testing/event-follower";
import { Fleet } from "@medusa/testing/fleet";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import type { JobStatus } from "@medusa/core";
import { MedusaClient } from "@medusa/client";

/**
 * The fleet as Swarm runs it, on one machine: 3 schedulers, 2 gateways, 2
 * splitters, 2 credits services and 4 nodes (2 per gateway), each its own
 * process on one NATS and one Redis. Mid-job, one of each is SIGKILLed and
 * started again (as Swarm restarts a task), one at a time; then two at a
 * time. Every job must finish with its results in order, each events
 * subscriber (reconnecting to either gateway with ?from=) must get every
 * event id once and in order, and the books must balance exactly. A
 * session made on gateway-1 before it is killed finishes its rounds on
 * gateway-2, and its payouts and refund are in the books. What each kill
 * cost (time until progress resumed, attempts lost) is printed.
 */
const ready = (await natsAvailable()) && (await redisAvailable());
const STARTER = 100_000;
const LINES = 600;
const CHUNK = 2;
const CHUNKS = LINES / CHUNK;
const SESSION_PROGRAM = "def setup(items):\n    return list(items)\n\ndef step(state, params):\n    return sum(state) * params['k']\n";
const SESSION_ROUNDS = 3;
const SESSION_PARTITIONS = 2;

describe.skipIf(!ready)("the fleet, with SIGKILLs", () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-fleet-"));
  const ports = [0, 1].map(() => 20_000 + Math.floor(Math.random() * 30_000));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const fleet = new Fleet({
    MEDUSA_NATS_URL: TEST_NATS_URL,
    MEDUSA_REDIS_URL: TEST_REDIS_URL,
    MEDUSA_PREFIX: testPrefix("fleet"),
    MEDUSA_DATA_DIR: dir,
    MEDUSA_HOST: "127.0.0.1",
    MEDUSA_STARTER_CREDITS: String(STARTER),
    MEDUSA_LOG_LEVEL: "info",
    // The services alone require a confirmed email before paid work; that is not what this test is about.
    MEDUSA_CONFIRM_EMAIL: "0",
    // Short split leases and small batches, so a splitter can be caught mid-split and its cost shows within the test.
    MEDUSA_SPLIT_LEASE_MS: "3000",
    MEDUSA_LEASE_SWEEP_MS: "500",
    MEDUSA_SPLITTER_BATCH_CHUNKS: "5",
  });
  const costs: string[] = [];
  let consumer: MedusaClient;
  let volunteer: MedusaClient;
  let consumerKey = "";

  /** The job's status from whichever gateway answers. */
  const status = async (id: string): Promise<JobStatus> => {
    for (const url of [...urls, ...urls]) {
      try {
        return await new MedusaClient(url, consumerKey).job(id);
      } catch {
        await Bun.sleep(200);
      }
    }
    throw new Error("no gateway answers");
  };
  const waitFor = (what: string, check: () => Promise<boolean>, ms = 180_000) => until(check, ms, what, { everyMs: 100, context: () => fleet.tail() });

  beforeAll(async () => {
    // Two of each service first (the credits services share one SQLite folder: one host), then the third scheduler.
    // One after the other: two credits services creating one SQLite schema at once can meet "database is locked".
    await fleet.start("credits-1", "credits");
    await fleet.start("credits-2", "credits");
    await Promise.all(["scheduler-1", "scheduler-2", "scheduler-3"].map((n) => fleet.start(n, "scheduler")));
    await Promise.all([fleet.start("splitter-1", "splitter"), fleet.start("splitter-2", "splitter")]);
    await Promise.all(ports.map((port, i) => fleet.start(`gateway-${i + 1}`, "gateway", { env: { MEDUSA_PORT: String(port) } })));
    const anon = new MedusaClient(urls[0]!);
    consumerKey = (await anon.signUp("fleet-consumer@example.com", "consumer-password")).apiKey;
    consumer = anon.withKey(consumerKey);
    volunteer = new MedusaClient(urls[1]!).withKey((await anon.signUp("fleet-volunteer@example.com", "volunteer-password")).apiKey);
    const nodes = await Promise.all([1, 2, 3, 4].map(async (i) => {
      const { nodeToken } = (await (await volunteer.request("POST", "/v1/nodes", { name: `node-${i}` })).json()) as { nodeToken: string };
      return { name: `node-${i}`, nodeToken, gateway: urls[i <= 2 ? 0 : 1]! };
    }));
    // One at a time: each loads Pyodide to learn its sandbox level, and four at once on two loaded cores can take minutes.
    for (const n of nodes) await fleet.start(n.name, "node", { args: ["--token", n.nodeToken, "--slots", "1", "--no-ui"], env: { MEDUSA_GATEWAY: n.gateway }, readyMs: 150_000 });
    await consumer.upload("lines.txt", Array.from({ length: LINES }, (_, i) => `line ${i}`).join("\n") + "\n");
  }, 600_000);

  afterAll(async () => {
    await Promise.race([Promise.allSettled(nodeRestarts), Bun.sleep(1000)]);
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
    console.log(`fleet kill costs:\n${costs.join("\n")}`);
  });

  /**
   * Submits the job over the lines and follows it from both gateways. Each
   * item sleeps (a chunk takes a second, mostly idle), so the job outlasts
   * its split and the kills land mid-job without burning the shared cores.
   */
  async function submit() {
    const source = "import time\ndef map(line):\n    time.sleep(0.5)\n    return line\n";
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { file: "lines.txt", format: "lines" }, chunkSize: CHUNK, timeoutMs: 5000 }).catch((err: Error) => {
      // A 5xx names its request id: what the services logged under it says why.
      const id = /request (req_\w+)/.exec(err.message)?.[1];
      throw new Error(`${err.message}\n${id ? fleet.grep(id).join("\n") : ""}`);
    });
    const followers = [new EventFollower(urls, job.id, consumerKey), new EventFollower([urls[1]!, urls[0]!], job.id, consumerKey)];
    return { id: job.id, followers };
  }

  /** The splitter that claimed the job's split (this run of it). */
  const splitHolder = (jobId: string) => fleet.named("splitter").find((n) => fleet.printed(n, '"msg":"split claimed"', `"jobId":"${jobId}"`));

  /** Restarts under way (Swarm restarts a killed task in the background; the fleet does not wait for it). */
  let restarts: Array<Promise<void>> = [];
  const nodeRestarts: Array<Promise<void>> = [];

  /**
   * A session on gateway-1 (its nodes hold the partitions), one round there;
   * once `killed` resolves, the other rounds through gateway-2, which takes
   * it over. Resolves with the credits it spent. Runs beside the job.
   */
  async function sessionAcrossTheKill(killed: Promise<void>, roundOne: () => void): Promise<number> {
    const [onOne, onTwo] = urls.map((u) => new MedusaClient(u, consumerKey));
    const created = await onOne!.createSession({ program: { runtime: "python", source: SESSION_PROGRAM }, input: { items: [1, 2, 3, 4] }, partitions: SESSION_PARTITIONS, pricePerRound: 1, maxCredits: 50, timeoutMs: 120_000 });
    const round = async (client: MedusaClient, n: number) => (await (await client.request("POST", `/v1/sessions/${created.id}/rounds`, { round: n, params: { k: n } })).json()) as { partials: number[] };
    expect((await round(onOne!, 1)).partials).toEqual([3, 7]);
    roundOne();
    await killed;
    for (let n = 2; n <= SESSION_ROUNDS; n++) expect((await round(onTwo!, n)).partials).toEqual([3 * n, 7 * n]);
    expect(await onTwo!.endSession(created.id)).toMatchObject({ state: "ended", rounds: SESSION_ROUNDS, credits: { held: 0, spent: SESSION_ROUNDS * SESSION_PARTITIONS } });
    costs.push(`session ${created.id}: made on gateway-1, ${SESSION_ROUNDS - 1} of its ${SESSION_ROUNDS} rounds on gateway-2 after gateway-1 was killed`);
    return SESSION_ROUNDS * SESSION_PARTITIONS;
  }
  let sessionSpent: Promise<number> = Promise.resolve(0);

  /** SIGKILLs `names` at once while the job runs and starts them again in the background; records what it cost. */
  async function killMidJob(jobId: string, names: string[], what: string) {
    const before = await status(jobId);
    // A kill after the job ended would prove nothing; mid-split no chunk may have been leased yet (queued).
    expect(["queued", "running"]).toContain(before.state);
    const t0 = performance.now();
    await Promise.all(names.map((n) => fleet.kill(n)));
    const since = () => Math.round(performance.now() - t0);
    const at = `${before.chunks.done}/${CHUNKS} done${before.sealed ? "" : `, ${before.chunks.total} stored, splitting`}`;
    const split = before.sealed ? Promise.resolve("") : waitFor("the split to be taken over", async () => (await status(jobId)).sealed).then(() => `; the split sealed after ${since()} ms`);
    const back = (name: string) =>
      fleet.restart(name).then(
        () => `${name} back after ${since()} ms`,
        (err: Error) => {
          // A node's start loads Pyodide to probe its sandbox within 60 s; on an overloaded machine it may not, three times over.
          if (!name.startsWith("node-")) throw err;
          return `${name} did not come back (${err.message.split("\n")[0]})`;
        },
      );
    const restarted = Promise.all(names.map(back)).then(async (lines) => void costs.push(`${what} at ${at}: ${lines.join(", ")}${await split}`));
    // The job does not wait for a node to come back; services are awaited at the phase's end.
    if (names.every((n) => n.startsWith("node-"))) nodeRestarts.push(restarted);
    else restarts.push(restarted);
  }

  /** Waits for the restarts of this phase, so the next starts with the whole fleet. */
  async function settleRestarts() {
    await Promise.all(restarts);
    restarts = [];
  }

  async function finish(job: { id: string; followers: EventFollower[] }) {
    const final = await until(async () => {
      const s = await status(job.id);
      return s.state === "running" || s.state === "queued" ? undefined : s;
    }, 240_000, "the job to end", { everyMs: 250, context: () => fleet.tail() });
    expect(final.state).toBe("done");
    expect(final.chunks.done).toBe(CHUNKS);
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i}`));
    await Promise.all(job.followers.map((f) => f.done));
    const last = job.followers[0]!.ids.at(-1)!;
    for (const f of job.followers) expect(f.ids).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    await settleRestarts();
    costs.push(`job ${job.id}: done, ${final.chunks.failed} attempt(s) lost (leases expired or chunks failed); events 1..${last} on each subscriber (reconnects: ${job.followers.map((f) => f.reconnects).join(", ")})`);
    return final;
  }

  async function killTheSplitter(jobId: string, others: string[]) {
    const holder = await waitFor("a splitter to claim the split", async () => {
      const s = await status(jobId);
      return Boolean(splitHolder(jobId)) && s.chunks.total >= 5;
    }).then(() => splitHolder(jobId)!);
    expect((await status(jobId)).sealed).toBe(false);
    await killMidJob(jobId, [holder, ...others], "mid-split");
  }

  test("one of each killed mid-job, one at a time: the job finishes, every event once, in order", async () => {
    const job = await submit();
    let gatewayKilled = () => {};
    let sessionRoundOne = () => {};
    const roundOneDone = new Promise<void>((r) => (sessionRoundOne = r));
    sessionSpent = sessionAcrossTheKill(new Promise<void>((r) => (gatewayKilled = r)), sessionRoundOne);
    sessionSpent.catch(() => {});
    await killTheSplitter(job.id, []);
    for (const [share, name] of [[0.2, "scheduler-1"], [0.4, "gateway-1"], [0.6, "credits-1"], [0.75, "node-1"]] as const) {
      const done = CHUNKS * share;
      await waitFor(`${done} chunks done`, async () => (await status(job.id)).chunks.done >= done);
      if (name === "gateway-1") await Promise.race([roundOneDone, sessionSpent]);
      await killMidJob(job.id, [name], name);
      if (name === "gateway-1") gatewayKilled();
    }
    await finish(job);
    await sessionSpent;
  }, 600_000);

  test("two at once, then the books: every job finished, every credit accounted for", async () => {
    const job = await submit();
    await killTheSplitter(job.id, ["scheduler-2"]);
    for (const [share, names] of [[0.3, ["gateway-2", "credits-2"]], [0.6, ["node-3", "scheduler-3"]]] as const) {
      const done = CHUNKS * share;
      await waitFor(`${done} chunks done`, async () => (await status(job.id)).chunks.done >= done);
      await killMidJob(job.id, [...names], names.join(" + "));
    }
    await finish(job);

    // Price 1, one replica: each chunk of the two jobs paid once, each session round once per partition, the rest of each escrow refunded.
    const paid = 2 * CHUNKS + (await sessionSpent);
    const credits = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
    await waitFor("settlement", async () => (await credits(consumer)).held === 0 && (await credits(volunteer)).available === STARTER + paid, 60_000);
    expect(await credits(consumer)).toEqual({ available: STARTER - paid, held: 0 });
    expect(await credits(volunteer)).toEqual({ available: STARTER + paid, held: 0 });
  }, 600_000);
});
