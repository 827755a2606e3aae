import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaClient } from "@medusa/client";
import { Scrape } from "@medusa/testing/prometheus";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { Fleet, type FleetProcess } from "../test/fleet.ts";

/**
 * Leases renewed while a chunk runs, as separate processes on real NATS and
 * Redis: leases last 3 s between renewals (MEDUSA_LEASE_MS) and gateways
 * renew them every 0.5 s. A chunk that runs 16 s keeps its one lease and is
 * paid once; when the gateway of the node holding the other chunk is
 * SIGKILLed, nobody renews that lease, and the chunk is leased to another
 * node within a few seconds (before renewal, a lease lasted 2 × timeoutMs +
 * 5 s: 65 s here). Presence is kept out of it (a 60 s TTL), so what brings
 * the chunk back is the lease running out.
 */
const ready = (await natsAvailable()) && (await redisAvailable());
const LEASE_MS = 3_000;
const port = () => 20_000 + Math.floor(Math.random() * 30_000);

describe.skipIf(!ready)("lease renewal", () => {
  let dir: string;
  let fleet: Fleet;
  let scheduler: FleetProcess;
  let doomed: FleetProcess;
  const urls = [`http://127.0.0.1:${port()}`, `http://127.0.0.1:${port()}`] as const;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "medusa-renewal-"));
    fleet = new Fleet({
      MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("renewal"), MEDUSA_DATA_DIR: dir,
      MEDUSA_METRICS_PORT: "0", MEDUSA_METRICS_HOST: "127.0.0.1", MEDUSA_CONFIRM_EMAIL: "0", MEDUSA_DISTINCT_ORIGINS: "0",
      MEDUSA_LEASE_MS: `${LEASE_MS}ms`, MEDUSA_LEASE_RENEW: "500ms", MEDUSA_LEASE_SWEEP_MS: "200", MEDUSA_PRESENCE_TTL: "60s",
      // One chunk per node, so each of the first two nodes holds one of the two chunks.
      MEDUSA_NODE_MAX_CHUNKS: "1",
      // This test counts leases: a backup lease (the steady node, done, backing up the rerun) would add one.
      MEDUSA_BACKUP_LEASES: "0",
    });
    fleet.service("credits");
    scheduler = fleet.service("scheduler");
    fleet.service("splitter");
    fleet.service("gateway", "gateway-1", { MEDUSA_PORT: new URL(urls[0]).port, MEDUSA_HOST: "127.0.0.1" });
    doomed = fleet.service("gateway", "gateway-2", { MEDUSA_PORT: new URL(urls[1]).port, MEDUSA_HOST: "127.0.0.1" });
  });

  afterAll(async () => {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = <T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 60_000) => until(probe, ms, what, { everyMs: 100, context: () => fleet.context() });
  const metric = async (name: string) => (await Scrape.of(`${await scheduler.opsUrl()}/metrics`)).value(name);
  const connected = async (url: string) => (await Scrape.of(`${url}/metrics`)).value("medusa_nodes_connected");

  test("a chunk running past its lease keeps it and is paid once; a dead gateway's chunk is leased again after the short lease", async () => {
    await waitFor(async () => (await Promise.all(urls.map((u) => fetch(`${u}/readyz`).then((r) => r.ok, () => false)))).every(Boolean), "both gateways ready");
    const anon = new MedusaClient(urls[0]);
    const consumer = anon.withKey(await waitFor(async () => (await anon.signUp("consumer@example.com", "consumer-password")).apiKey, "the first sign-up"));
    const volunteer = anon.withKey((await anon.signUp("volunteer@example.com", "volunteer-password")).apiKey);
    const startNode = async (name: string, gateway: string, ui: string[] = ["--no-ui"]) => {
      const { nodeId, nodeToken } = await volunteer.registerNode(name);
      fleet.spawn(`node-${name}`, ["node/src/main.ts", "--token", nodeToken, "--slots", "1", ...ui], { MEDUSA_GATEWAY: gateway });
      return nodeId;
    };
    const steady = await startNode("steady", urls[0]);
    const stranded = await startNode("stranded", urls[1]);
    // A third node, paused until both chunks are out, waits for work: the stranded chunk's next holder.
    const spareUi = `http://127.0.0.1:${port()}`;
    const settings = join(dir, "spare-settings.json");
    await Bun.write(settings, JSON.stringify({ v: 1, paused: true }));
    const spare = await startNode("spare", urls[0], ["--ui-port", new URL(spareUi).port, "--settings", settings]);
    await waitFor(async () => (await connected(urls[0])) === 2 && (await connected(urls[1])) === 1, "two nodes on the first gateway, one on the second");

    // Two chunks of two items, 8 s each: 16 s a chunk, far past the 3 s lease, within the 30 s timeout.
    const source = "import time\n\ndef map(x):\n    time.sleep(8)\n    return x * 7\n";
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: 4 } }, chunkSize: 2, timeoutMs: 30_000 });
    const leased: Array<{ index: number; nodeId: string }> = [];
    const followed = consumer.follow(job.id, (e) => void (e.type === "leased" && leased.push({ index: e.index, nodeId: e.nodeId })));
    await waitFor(async () => leased.length === 2 || null, "both chunks leased, one per node");
    const leasedAt = performance.now();
    const strandedChunk = leased.find((l) => l.nodeId === stranded)!.index;
    const resumed = await fetch(`${spareUi}/api/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ paused: false }) });
    expect(resumed.status).toBe(200);
    // Past the first lease length: the steady node's chunk lives on renewals now.
    await Bun.sleep(Math.max(0, LEASE_MS + 500 - (performance.now() - leasedAt)));
    expect((await consumer.job(job.id)).chunks.done).toBe(0);

    doomed.proc.kill("SIGKILL");
    await doomed.proc.exited;
    const killed = performance.now();
    await waitFor(async () => leased.length === 3 || null, "the stranded chunk leased again", 30_000);
    const releasedMs = Math.round(performance.now() - killed);
    expect(leased[2]).toEqual({ index: strandedChunk, nodeId: spare });
    // The lease, one renewal period, a sweep and a lease tick, with room for a loaded machine; 65 s without renewal.
    expect(releasedMs).toBeLessThan(LEASE_MS + 9_000);
    expect((await consumer.job(job.id)).chunks.done).toBe(0);

    expect(await followed).toMatchObject({ state: "done" });
    // The steady chunk was leased once though it ran 16 s on 3 s leases; one lease ran out, the stranded one.
    expect(leased.filter((l) => l.nodeId === steady)).toEqual([{ index: 1 - strandedChunk, nodeId: steady }]);
    expect(leased).toHaveLength(3);
    expect(await consumer.results(job.id)).toEqual([0, 7, 14, 21]);
    expect(await metric("medusa_chunks_leased_total")).toBe(3);
    expect(await metric("medusa_lease_expiries_total")).toBe(1);

    const me = async (client: MedusaClient) => ((await (await client.request("GET", "/v1/me")).json()) as { credits: { available: number; held: number } }).credits;
    await waitFor(async () => (await me(consumer)).held === 0 && (await me(volunteer)).available >= 1002 || null, "settlement");
    await Bun.sleep(4_000); // the outbox hold: a second payout of either chunk would land by now
    expect(await me(consumer)).toEqual({ available: 998, held: 0 });
    expect(await me(volunteer)).toEqual({ available: 1002, held: 0 });
    const { nodes } = (await (await volunteer.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ name: string; creditsEarned: number }> };
    const earned = Object.fromEntries(nodes.map((n) => [n.name, n.creditsEarned]));
    expect(earned).toEqual({ steady: 1, stranded: 0, spare: 1 });
    console.log(`lease renewal: the dead gateway's chunk was leased again ${releasedMs} ms after the kill (lease ${LEASE_MS} ms, renewed every 500 ms)`);
  }, 240_000);
});
