import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scrape } from "@medusa/testing/prometheus";
import { natsAvailable, redisAvailable, testPrefix } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { Fleet, type FleetProcess } from "../test/fleet.ts";
import { privateNats, privateRedis, type PrivateServer } from "../test/private-servers.ts";

/**
 * /readyz follows the dependencies for real: services on a Redis and a NATS of
 * the test's own, which it kills (SIGKILL) and starts again. While one is
 * down the services that need it answer 503 naming it, and /healthz stays 200
 * (alive: an orchestrator must not restart them for it); once it is back they
 * are ready again by themselves. Then SIGTERM ends each idle service within
 * its bound, exit code 0.
 */
const ready = (await natsAvailable()) && (await redisAvailable());
const EXIT_BOUND_MS = 20_000;

describe.skipIf(!ready)("readiness follows the bus and the stores", () => {
  let dir: string;
  let fleet: Fleet;
  let redis: PrivateServer;
  let nats: PrivateServer;
  const ops: Record<string, FleetProcess> = {};
  let gatewayUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-ready-"));
    [redis, nats] = await Promise.all([privateRedis(dir), privateNats(dir)]);
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    gatewayUrl = `http://127.0.0.1:${port}`;
    fleet = new Fleet({ MEDUSA_NATS_URL: nats.url, MEDUSA_REDIS_URL: redis.url, MEDUSA_PREFIX: testPrefix("ready"), MEDUSA_DATA_DIR: dir, MEDUSA_METRICS_PORT: "0", MEDUSA_METRICS_HOST: "127.0.0.1", MEDUSA_CONFIRM_EMAIL: "0" });
    ops.scheduler = fleet.service("scheduler");
    ops.splitter = fleet.service("splitter");
    ops.credits = fleet.service("credits");
    ops.ftp = fleet.service("ftp", "ftp", { MEDUSA_FTP_PORT: "0", MEDUSA_FTP_PASV_PORTS: "0", MEDUSA_FTP_HOST: "127.0.0.1" });
    ops.gateway = fleet.service("gateway", "gateway", { MEDUSA_PORT: String(port), MEDUSA_HOST: "127.0.0.1" });
  }, 60_000);

  afterAll(async () => {
    await fleet.close();
    await redis.kill();
    await nats.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = async (name: string) => (name === "gateway" ? gatewayUrl : ops[name]!.opsUrl());
  const readyz = async (name: string) => {
    const res = await fetch(`${await base(name)}/readyz`).catch(() => null);
    return res ? { status: res.status, body: (await res.json()) as { failing: string[] } } : { status: 0, body: { failing: [] } };
  };
  const waitFor = <T>(probe: () => Promise<T>, what: string, ms = 60_000) => until(probe, ms, what, { everyMs: 200, context: () => fleet.context() });
  const services = ["scheduler", "splitter", "credits", "ftp", "gateway"];

  test("Redis down: the scheduler is 503 naming its chunk store, alive all the same, and ready again once Redis is back", async () => {
    for (const name of services) await waitFor(async () => (await readyz(name)).status === 200, `${name} ready`);
    await redis.kill();
    await waitFor(async () => (await readyz("scheduler")).status === 503, "the scheduler to be unready");
    expect((await readyz("scheduler")).body.failing).toEqual(["chunks"]);
    expect((await fetch(`${await base("scheduler")}/healthz`)).status).toBe(200);
    expect(new Scrape(await (await fetch(`${await base("scheduler")}/metrics`)).text()).value("medusa_chunk_store_up")).toBe(0);
    // The others do not use Redis.
    for (const name of ["splitter", "credits", "ftp", "gateway"]) expect((await readyz(name)).status).toBe(200);

    await redis.start();
    await waitFor(async () => (await readyz("scheduler")).status === 200, "the scheduler to be ready again");
  }, 180_000);

  test("NATS down: every service is 503 naming the bus, and ready again once NATS is back", async () => {
    await nats.kill();
    for (const name of services) {
      await waitFor(async () => (await readyz(name)).status === 503, `${name} to be unready`);
      expect((await readyz(name)).body.failing).toContain("bus");
      expect((await fetch(`${await base(name)}/healthz`)).status).toBe(200);
    }
    await nats.start();
    for (const name of services) await waitFor(async () => (await readyz(name)).status === 200, `${name} to be ready again`, 90_000);
  }, 300_000);

  test("SIGTERM ends every idle service within its bound, exit code 0", async () => {
    const exits = await Promise.all(services.map((name) => ops[name]!.terminate()));
    for (const [i, exit] of exits.entries()) {
      expect({ service: services[i], code: exit.code }).toEqual({ service: services[i], code: 0 });
      expect(exit.ms).toBeLessThan(EXIT_BOUND_MS);
    }
  }, 60_000);
});
