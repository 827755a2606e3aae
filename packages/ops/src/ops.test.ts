import { describe, expect, test } from "bun:test";
import { MemoryBus } from "@medusa/adapters";
import { BusError, call, defineRequest, serve } from "@medusa/core";
import { Scrape } from "@medusa/testing/prometheus";
import { z } from "zod";
import { meteredBus, opsRoutes, Readiness, serveOps, serviceRegistry } from "./index.ts";

const echo = defineRequest("test.echo", z.object({ n: z.number() }), z.object({ n: z.number() }));

describe("the metered bus", () => {
  test("times the requests a process sends and the ones it serves, by subject and outcome", async () => {
    const registry = serviceRegistry("test");
    const bus = meteredBus(new MemoryBus(), registry);
    const served = serve(bus, echo, async ({ n }) => ({ n: n * 2 }), { queue: "q" });
    for (let n = 0; n < 3; n++) expect(await call(bus, echo, { n })).toEqual({ n: n * 2 });
    await expect(bus.request("test.nobody", new Uint8Array(), { timeoutMs: 100 })).rejects.toBeInstanceOf(BusError);

    const scrape = new Scrape(await registry.metrics());
    expect(scrape.family("medusa_bus_request_duration_seconds").type).toBe("HISTOGRAM");
    expect(scrape.value("medusa_bus_request_duration_seconds", { subject: "test.echo", outcome: "ok" })).toBe(3);
    expect(scrape.value("medusa_bus_request_duration_seconds", { subject: "test.nobody", outcome: "no_responders" })).toBe(1);
    expect(scrape.value("medusa_bus_handle_duration_seconds", { subject: "test.echo" })).toBe(3);
    expect(scrape.value("medusa_bus_messages_received_total", { subject: "test.echo" })).toBe(3);
    // Every series says which service it came from, and the runtime's own figures are there.
    expect(scrape.series("medusa_bus_handle_duration_seconds").map((labels) => labels.service)).toEqual(["test"]);
    expect(scrape.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    served.subscription.unsubscribe();
    await served.done;
  });

  test("passes everything else to the real bus", async () => {
    const inner = new MemoryBus();
    const bus = meteredBus(inner, serviceRegistry("test"));
    expect(bus instanceof MemoryBus).toBe(true);
    const sub = bus.subscribe("test.event");
    bus.publish("test.event", new TextEncoder().encode("hi"));
    for await (const m of sub) {
      expect(new TextDecoder().decode(m.data)).toBe("hi");
      break;
    }
    await bus.drain();
  });
});

describe("the ops listener", () => {
  test("/metrics is the text format, /healthz alive, /readyz 503 naming the dependency that is down, and 503 while draining", async () => {
    let redisUp = true;
    const readiness = new Readiness({ bus: () => {}, redis: async () => { if (!redisUp) throw new Error("connection refused"); } }, 500);
    const registry = serviceRegistry("test");
    const listener = serveOps(opsRoutes(registry, readiness), { port: 0, hostname: "127.0.0.1" });
    try {
      const scrape = await Scrape.of(`${listener.url}/metrics`);
      expect(scrape.value("process_cpu_seconds_total")).toBeGreaterThan(0);
      expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);
      let res = await fetch(`${listener.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ready: true, draining: false, failing: [] });

      redisUp = false;
      res = await fetch(`${listener.url}/readyz`);
      expect(res.status).toBe(503);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ ready: false, draining: false, failing: ["redis"] });
      expect(body).not.toContain("refused");
      // Alive all the same: the orchestrator must not restart a process whose dependency is down.
      expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);

      redisUp = true;
      expect((await fetch(`${listener.url}/readyz`)).status).toBe(200);
      readiness.drain();
      res = await fetch(`${listener.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ready: false, draining: true, failing: [] });
    } finally {
      listener.stop();
    }
  });

  test("a dependency that never answers counts as down within the probe's timeout", async () => {
    const readiness = new Readiness({ stuck: () => new Promise(() => {}) }, 200);
    const started = performance.now();
    const report = await readiness.report();
    expect(report.ready).toBe(false);
    expect(report.checks.stuck).toContain("no answer");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
