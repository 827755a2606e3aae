import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scrape } from "@medusa/testing/prometheus";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { Fleet, type FleetProcess } from "../test/fleet.ts";
import { MedusaClient } from "@medusa/client";

/**
 * The operator's view of a distributed deployment: every service as its own
 * process on real NATS and Redis (two schedulers), each
 * answering /metrics, /healthz and /readyz; then SIGTERM mid-job to one
 * scheduler of two and to the credits service (SQLite: one replica, which a
 * fresh process replaces), then to the gateway (its nodes' chunks go back at
 * once; a new gateway on the same port takes the nodes back): each exits
 * cleanly within its bound, and every job still finishes with every result
 * in order and exact books.
 */
const ready = (await natsAvailable()) && (await redisAvailable());
/** shutdownOn's limit is 10 s; a loaded machine gets slack on top, never an unbounded wait. */
const EXIT_BOUND_MS = 20_000;

describe.skipIf(!ready)("metrics, readiness and drain across separate service processes", () => {
  let dir: string;
  let fleet: Fleet;
  let url: string;
  let port: number;
  let consumer: MedusaClient;
  let volunteer: MedusaClient;
  const ops: Record<string, FleetProcess> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-ops-"));
    port = 20_000 + Math.floor(Math.random() * 30_000);
    url = `http://127.0.0.1:${port}`;
    // Sign-ups are confirmed at once: this is about metrics and draining; confirmation.e2e and distributed.e2e test the link.
    fleet = new Fleet({ MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("ops"), MEDUSA_DATA_DIR: dir, MEDUSA_METRICS_PORT: "0", MEDUSA_METRICS_HOST: "127.0.0.1", MEDUSA_CONFIRM_EMAIL: "0" });
    ops.credits = fleet.service("credits");
    for (const name of ["scheduler-a", "scheduler-b"]) ops[name] = fleet.service("scheduler", name);
    ops.splitter = fleet.service("splitter");
    ops.ftp = fleet.service("ftp", "ftp", { MEDUSA_FTP_PORT: "0", MEDUSA_FTP_PASV_PORTS: "0", MEDUSA_FTP_HOST: "127.0.0.1" });
    ops.gateway = fleet.service("gateway", "gateway", { MEDUSA_PORT: String(port), MEDUSA_HOST: "127.0.0.1" });
  }, 60_000);

  afterAll(async () => {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = <T>(probe: () => Promise<T>, what: string, ms = 60_000) => until(probe, ms, what, { everyMs: 200, context: () => fleet.context() });
  const status = (u: string) => fetch(u).then((r) => r.status, () => 0);
  const me = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
  // Enough work per chunk (about 0.1 s) that a job is still running when a SIGTERM is sent on a fast, idle machine
  // with runners restored from a snapshot: at a tenth of this, a whole job took 0.45 s and ended before the SIGTERM landed.
  const source = "def map(x):\n    s = 0\n    for i in range(200000):\n        s += i\n    return x * 7 + s - s\n";

  test("every service is ready once its bus and stores answer, and its /metrics parses", async () => {
    const others = Object.entries(ops).filter(([name]) => name !== "gateway");
    const urls = { gateway: url, ...Object.fromEntries(await Promise.all(others.map(async ([name, p]) => [name, await p.opsUrl()]))) };
    for (const [name, base] of Object.entries(urls)) {
      await waitFor(async () => (await status(`${base}/readyz`)) === 200, `${name} ready`);
      expect(await status(`${base}/healthz`)).toBe(200);
      const scrape = await Scrape.of(`${base}/metrics`);
      expect(scrape.value("process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(scrape.family("medusa_bus_request_duration_seconds").type).toBe("HISTOGRAM");
      expect(scrape.family("medusa_bus_handle_duration_seconds").type).toBe("HISTOGRAM");
    }
    const scheduler = await Scrape.of(`${urls["scheduler-a"]}/metrics`);
    for (const name of ["medusa_jobs_total", "medusa_chunks_leased_total", "medusa_chunks_done_total", "medusa_lease_expiries_total"]) expect(scheduler.family(name).type).toBe("COUNTER");
    for (const name of ["medusa_queue_depth", "medusa_chunks_leased", "medusa_settlement_outbox", "medusa_chunk_store_up"]) expect(scheduler.family(name).type).toBe("GAUGE");
    expect(scheduler.value("medusa_chunk_store_up")).toBe(1);
    expect((await Scrape.of(`${urls.credits}/metrics`)).family("medusa_settlement_queue_depth").type).toBe("GAUGE");
    expect((await Scrape.of(`${url}/metrics`)).value("medusa_nodes_connected")).toBe(0);
  }, 120_000);

  test("SIGTERM to a scheduler and to the credits service mid-job: both exit cleanly in time, and nothing is lost", async () => {
    const anon = new MedusaClient(url);
    consumer = anon.withKey((await anon.signUp("consumer@example.com", "consumer-password")).apiKey);
    volunteer = anon.withKey((await anon.signUp("volunteer@example.com", "volunteer-password")).apiKey);
    for (const name of ["n1", "n2"]) {
      const { nodeToken } = (await (await volunteer.request("POST", "/v1/nodes", { name })).json()) as { nodeToken: string };
      fleet.spawn(`node-${name}`, ["node/src/main.ts", "--token", nodeToken, "--slots", "1"], { MEDUSA_GATEWAY: url });
    }
    await waitFor(async () => (await Scrape.of(`${url}/metrics`)).value("medusa_nodes_connected") === 2, "both nodes connected");

    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: 1000 } }, chunkSize: 10 });
    await waitFor(async () => (await consumer.job(job.id)).chunks.done >= 20, "a fifth of the job", 120_000);
    expect((await consumer.job(job.id)).state).toBe("running");

    const [scheduler, credits] = await Promise.all([ops["scheduler-a"]!.terminate(), ops.credits!.terminate()]);
    expect(scheduler.code).toBe(0);
    expect(credits.code).toBe(0);
    expect(scheduler.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(credits.ms).toBeLessThan(EXIT_BOUND_MS);
    console.log(`SIGTERM mid-job: scheduler exited in ${Math.round(scheduler.ms)} ms, credits in ${Math.round(credits.ms)} ms`);
    for (const name of ["scheduler-a", "credits"]) expect(ops[name]!.output.join("")).toContain("SIGTERM: shutting down");
    // Settlements wait on JetStream meanwhile; the replacement takes them from there.
    ops.credits = fleet.service("credits", "credits-2");

    await waitFor(async () => (await consumer.job(job.id)).state !== "running", "the job to end", 180_000);
    const final = await consumer.job(job.id);
    expect(final.state).toBe("done");
    expect(final.chunks.done).toBe(100);
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 7));

    // Books exact: 100 accepted chunks at the default price of 1, settled by whichever credits process took them.
    await waitFor(async () => (await me(consumer)).held === 0 && (await me(volunteer)).available === 1100, "settlement");
    expect(await me(consumer)).toEqual({ available: 900, held: 0 });
    expect((await consumer.job(job.id)).credits).toEqual({ held: 0, spent: 100 });

    // The survivors' view: nothing waits anywhere, and the gateway's requests to the scheduler were timed.
    const survivor = await ops["scheduler-b"]!.opsUrl();
    await waitFor(async () => {
      const s = await Scrape.of(`${survivor}/metrics`);
      return s.value("medusa_queue_depth") === 0 && s.value("medusa_chunks_leased") === 0 && s.value("medusa_settlement_outbox") === 0;
    }, "the queue, the leases and the outbox to be empty");
    const schedulerB = await Scrape.of(`${survivor}/metrics`);
    expect(schedulerB.value("medusa_chunks_leased_total")).toBeGreaterThan(0);
    expect(schedulerB.value("medusa_bus_handle_duration_seconds", { subject: "scheduler.chunks.complete" })).toBeGreaterThan(0);
    const credits2 = await Scrape.of(`${await ops.credits!.opsUrl()}/metrics`);
    expect(credits2.value("medusa_settlement_queue_depth")).toBe(0);
    expect(credits2.value("medusa_settlements_total", { outcome: "applied" })).toBeGreaterThan(0);
    const gateway = await Scrape.of(`${url}/metrics`);
    expect(gateway.value("medusa_bus_request_duration_seconds", { subject: "scheduler.chunk.lease", outcome: "ok" })).toBeGreaterThan(0);
    expect(gateway.value("medusa_http_requests_total", { method: "POST", status: "2xx" })).toBeGreaterThan(0);
  }, 400_000);

  test("SIGTERM to the gateway mid-job: it exits in time, its nodes' chunks go back at once, and a new gateway finishes the job", async () => {
    const scheduler = await ops["scheduler-b"]!.opsUrl();
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: 1000 } }, chunkSize: 10 });
    await waitFor(async () => (await consumer.job(job.id)).chunks.done >= 20, "a fifth of the job", 120_000);
    const released = (await Scrape.of(`${scheduler}/metrics`)).value("medusa_chunks_released_total");
    expect((await consumer.job(job.id)).state).toBe("running");

    const gateway = await ops.gateway!.terminate();
    expect(gateway.code).toBe(0);
    expect(gateway.ms).toBeLessThan(EXIT_BOUND_MS);
    console.log(`SIGTERM mid-job: gateway exited in ${Math.round(gateway.ms)} ms`);
    // Handed back as the sockets closed, not left to expire with their leases.
    const after = (await Scrape.of(`${scheduler}/metrics`)).value("medusa_chunks_released_total");
    if (after <= released) console.log(fleet.context());
    expect(after).toBeGreaterThan(released);

    ops.gateway = fleet.service("gateway", "gateway-2", { MEDUSA_PORT: String(port), MEDUSA_HOST: "127.0.0.1" });
    await waitFor(async () => (await status(`${url}/readyz`)) === 200, "the new gateway ready");
    await waitFor(async () => (await consumer.job(job.id)).state !== "running", "the job to end", 180_000);
    const final = await consumer.job(job.id);
    expect(final.state).toBe("done");
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 7));
    await waitFor(async () => (await me(consumer)).held === 0 && (await me(volunteer)).available === 1200, "settlement");
    expect(await me(consumer)).toEqual({ available: 800, held: 0 });
  }, 400_000);
});
