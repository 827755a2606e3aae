import { describe, expect, test } from "bun:test";
import { call, emit, events, parseEnv, PortEnv, serve, subjects } from "@medusa/core";
import { natsAvailable, testPrefix, TEST_NATS_URL } from "@medusa/testing/servers";
import { busContract } from "./bus.contract.ts";
import { NatsBus } from "./nats-bus.ts";

const available = await natsAvailable();

if (available) {
  const prefix = testPrefix("bus");
  busContract("nats", () => NatsBus.connect(TEST_NATS_URL, { prefix, name: "bus-contract" }));
}

describe.skipIf(!available)("NatsBus prefix", () => {
  test("subjects carry the prefix on the wire and not in what callers see", async () => {
    const prefix = testPrefix("busp");
    const bus = await NatsBus.connect(TEST_NATS_URL, { prefix });
    const other = await NatsBus.connect(TEST_NATS_URL, { prefix: testPrefix("busq") });
    try {
      const raw = bus.nc.subscribe(`${prefix}.medusa.x.y`);
      const mine = bus.subscribe("medusa.x.y");
      bus.publish("medusa.x.y", new TextEncoder().encode("hi"));
      await bus.flush();
      for await (const m of raw) {
        expect(m.subject).toBe(`${prefix}.medusa.x.y`);
        break;
      }
      for await (const m of mine) {
        expect(m.subject).toBe("medusa.x.y");
        break;
      }
      // Another prefix is another world: its responder is invisible here.
      const responder = other.subscribe("medusa.echo");
      void (async () => {
        for await (const m of responder) m.respond(m.data);
      })();
      await other.flush();
      expect(new TextDecoder().decode(await other.request("medusa.echo", new TextEncoder().encode("ok"), { timeoutMs: 1000 }))).toBe("ok");
      const err = await bus.request("medusa.echo", new Uint8Array(), { timeoutMs: 1000 }).catch((e) => e);
      expect(err.code).toBe("no_responders");
    } finally {
      await Promise.all([bus.drain(), other.drain()]);
    }
  });
});

describe.skipIf(!available)("the catalogue's subjects on the wire", () => {
  test("a request travels as `<prefix>.<service>.<entity>.<verb>`, the prefix applied once", async () => {
    const prefix = testPrefix("busw");
    const bus = await NatsBus.connect(TEST_NATS_URL, { prefix });
    try {
      const raw = bus.nc.subscribe(`${prefix}.>`);
      serve(bus, subjects.starterCredits, () => ({ starterCredits: 7 }));
      await bus.flush();
      expect(await call(bus, subjects.starterCredits, {}, { timeoutMs: 2000 })).toEqual({ starterCredits: 7 });
      for await (const m of raw) {
        expect(m.subject).toBe(`${prefix}.credits.config.starter`);
        break;
      }
    } finally {
      await bus.drain();
    }
  });

  test("under the default MEDUSA_PREFIX an event is `medusa.job.events.<id>`, never `medusa.medusa.…`", async () => {
    const { MEDUSA_PREFIX } = parseEnv(PortEnv, {});
    const bus = await NatsBus.connect(TEST_NATS_URL, { prefix: MEDUSA_PREFIX });
    const jobId = `j-${crypto.randomUUID()}`;
    try {
      const raw = bus.nc.subscribe(`*.*.events.${jobId}`);
      const doubled = bus.nc.subscribe(`medusa.medusa.job.events.${jobId}`);
      await bus.flush();
      emit(bus, events.jobEvents, [{ id: 1, type: "done", chunks: { total: 1, done: 1, running: 0, failed: 0 } }], jobId);
      await bus.flush();
      for await (const m of raw) {
        expect(m.subject).toBe(`medusa.job.events.${jobId}`);
        break;
      }
      await bus.nc.flush();
      expect(doubled.getProcessed()).toBe(0);
    } finally {
      await bus.drain();
    }
  });
});
