import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scrape } from "@medusa/testing/prometheus";
import { natsAvailable, redisAvailable, testPrefix } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { Fleet, type FleetProcess } from "../test/fleet.ts";
import { privateNats, privateRedis, type PrivateRedis, type PrivateServer } from "../test/private-servers.ts";
import { MedusaClient } from "@medusa/client";

/**
 * Redis and NATS themselves fail: a Redis of the test's own, run as
 * compose.yaml runs it (AOF, fsync every second), which loses power (SIGKILL
 * and its last second of AOF cut off, what `everysec` may lose), and a NATS
 * with JetStream on file storage, SIGKILLed; each started again in the middle
 * of a job. The services ride it out; what the lost second held runs again
 * (the leases handed out exceed the chunks by that much), nothing is paid
 * twice, and the books are exact.
 *
 * What `appendfsync everysec` can lose is the writes of the last second or
 * so before the power went: leases and results of that second are undone, so
 * those chunks run again (reruns, bounded by what two nodes lease and finish
 * in a second or two); a payout is never lost or paid twice, because the
 * scheduler forwards a settlement only once it is older than the fsync
 * window (MEDUSA_OUTBOX_HOLD), so every payout that reached the ledger is in
 * the file too (docs/operations.md). A job created in that second would be
 * lost, which is why the power loss comes well after the job was sealed.
 *
 * Both outages run out the nodes' leases in bulk (results that could not be
 * reported, or that the lost second undid). That once stalled the job for
 * good on a quiet machine, 3 runs in 4: a node's lease window fell to none
 * (8 + 7 accepted − 3 × 8 expired) and could never grow again, and the last
 * chunks had each run out on the other node, which was never offered them
 * again. A window now never falls below one chunk and the bar on a chunk
 * lasts one lease length (chunk-store.hoarding.contract.ts).
 */
const ready = (await natsAvailable()) && (await redisAvailable());

describe.skipIf(!ready)("a Redis and a NATS restart mid-job", () => {
  let dir: string;
  let fleet: Fleet;
  let redis: PrivateRedis;
  let nats: PrivateServer;
  let url: string;
  let scheduler: FleetProcess;
  let services: FleetProcess[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-restart-"));
    [redis, nats] = await Promise.all([privateRedis(dir), privateNats(dir)]);
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    url = `http://127.0.0.1:${port}`;
    fleet = new Fleet({ MEDUSA_NATS_URL: nats.url, MEDUSA_REDIS_URL: redis.url, MEDUSA_PREFIX: testPrefix("restart"), MEDUSA_DATA_DIR: dir, MEDUSA_METRICS_PORT: "0", MEDUSA_METRICS_HOST: "127.0.0.1", MEDUSA_CONFIRM_EMAIL: "0" });
    scheduler = fleet.service("scheduler");
    services = [fleet.service("credits"), scheduler, fleet.service("splitter")];
    fleet.service("gateway", "gateway", { MEDUSA_PORT: String(port), MEDUSA_HOST: "127.0.0.1" });
  }, 60_000);

  afterAll(async () => {
    await fleet.close();
    await redis.kill();
    await nats.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const serverLogs = () => ["redis.log", "nats.log"].map((f) => `--- ${f}\n${readFileSync(join(dir, f), "utf8").slice(-2000)}`).join("\n");
  const waitFor = <T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 120_000) => until(probe, ms, what, { everyMs: 200, context: () => `${fleet.context()}\n${serverLogs()}` });

  test("the job finishes with every result in order and exact books", async () => {
    const urls = [url, ...(await Promise.all(services.map((p) => p.opsUrl())))];
    await waitFor(async () => (await Promise.all(urls.map((u) => fetch(`${u}/readyz`).then((r) => r.status)))).every((s) => s === 200), "the services to be ready");
    const anon = new MedusaClient(url);
    // Ready is connected; the very first request may still beat a subscription to the server.
    const consumer = anon.withKey(await waitFor(async () => (await anon.signUp("consumer@example.com", "consumer-password")).apiKey, "the first sign-up"));
    const volunteer = anon.withKey((await anon.signUp("volunteer@example.com", "volunteer-password")).apiKey);
    for (const name of ["n1", "n2"]) {
      const { nodeToken } = (await (await volunteer.request("POST", "/v1/nodes", { name })).json()) as { nodeToken: string };
      fleet.spawn(`node-${name}`, ["node/src/main.ts", "--token", nodeToken, "--slots", "1"], { MEDUSA_GATEWAY: url });
    }
    await waitFor(async () => (await Scrape.of(`${url}/metrics`)).value("medusa_nodes_connected") === 2, "both nodes connected");

    // Enough work per chunk that the job is still running seconds after it was split, on a quiet machine too:
    // 100 chunks of 10 items at 30 ms each on two nodes take 15 s or more.
    const source = "import time\n\ndef map(x):\n    time.sleep(0.03)\n    return x * 7\n";
    // A short timeout keeps a lease that the restart orphaned short: 2 × 5 s + 5 s.
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: 1000 } }, chunkSize: 10, timeoutMs: 5_000 });
    const done = async () => (await consumer.job(job.id)).chunks.done;
    await waitFor(async () => (await done()) >= 20, "a fifth of the job");
    // The power loss must not reach back to the job's creation or its split (a job created in the lost
    // second is gone, docs/operations.md): it comes well after the job was sealed.
    await waitFor(async () => (await consumer.job(job.id)).sealed, "the job to be sealed");
    await Bun.sleep(3_000);
    expect((await consumer.job(job.id)).state).toBe("running");

    const figures: string[] = [];
    for (const [name, server, next] of [["Redis", redis, 50], ["NATS", nats, 75]] as const) {
      if (server === redis) figures.push(`Redis power loss: ${await redis.powerLoss(1_000)} bytes of AOF lost`);
      else await server.kill();
      await Bun.sleep(2_000);
      await server.start();
      const restarted = performance.now();
      const { before } = await waitFor(async () => {
        const n = await done().catch(() => null);
        return n === null ? null : { before: n };
      }, `${name} back: the job readable`);
      await waitFor(async () => (await done()) > before || (await done()) >= next, `progress after the ${name} restart`);
      figures.push(`${name}: killed, down 2 s, progress again ${Math.round(performance.now() - restarted)} ms after its restart`);
    }

    await waitFor(async () => (await consumer.job(job.id)).state !== "running", "the job to end", 240_000);
    const final = await consumer.job(job.id);
    expect(final.state).toBe("done");
    expect(final.chunks.done).toBe(100);
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 7));

    const me = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
    await waitFor(async () => (await me(consumer)).held === 0 && (await me(volunteer)).available >= 1100, "settlement");
    // Settlements trail the job by the outbox hold; a payout paid twice would show here as more than 1100.
    await Bun.sleep(5_000);
    expect(await me(consumer)).toEqual({ available: 900, held: 0 });
    expect(await me(volunteer)).toEqual({ available: 1100, held: 0 });
    expect((await consumer.job(job.id)).credits).toEqual({ held: 0, spent: 100 });
    const { nodes } = (await (await volunteer.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ creditsEarned: number; reputation?: { accepted: number; expired: number } }> };
    expect(nodes.reduce((sum, n) => sum + n.creditsEarned, 0)).toBe(100);
    figures.push(`earned per node: ${nodes.map((n) => n.creditsEarned).join(" + ")}`);
    figures.push(`leases run out per node: ${nodes.map((n) => n.reputation?.expired).join(" + ")}`);
    // Never paid twice: one payout per chunk, every chunk's (a chunk of the lost second paid to one node and rerun on another would show twice, and the escrow would refuse the last chunk's).
    const { entries } = (await (await volunteer.request("GET", "/v1/me/ledger?limit=500")).json()) as { entries: Array<{ key: string; reason: string; jobId?: string }> };
    const paid = entries.filter((e) => e.reason === "payout" && e.jobId === job.id).map((e) => Number(e.key.split(":")[2]));
    expect(paid.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));

    const leased = (await Scrape.of(`${await scheduler.opsUrl()}/metrics`)).value("medusa_chunks_leased_total");
    figures.push(`leases handed out: ${leased} for 100 chunks (${leased - 100} reruns)`);
    console.log(`server restarts: ${figures.join("; ")}`);
  }, 600_000);
});
