import { describe, expect, test } from "bun:test";
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
