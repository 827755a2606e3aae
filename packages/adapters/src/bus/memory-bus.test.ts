import { expect, test } from "bun:test";
import { BusError } from "@medusa/core";
import { busContract } from "./bus.contract.ts";
import { MemoryBus } from "./memory-bus.ts";

busContract("memory", async () => new MemoryBus());

test("memory: a queue group takes turns", async () => {
  const bus = new MemoryBus();
  const a = bus.subscribe("rr.x", { queue: "g" });
  const b = bus.subscribe("rr.x", { queue: "g" });
  for (let i = 0; i < 4; i++) bus.publish("rr.x", new Uint8Array([i]));
  const read = async (sub: typeof a) => {
    const got: number[] = [];
    for await (const m of sub) if (got.push(m.data[0]!) === 2) break;
    return got;
  };
  expect(await Promise.all([read(a), read(b)])).toEqual([
    [0, 2],
    [1, 3],
  ]);
  await bus.drain();
});

test("memory: subscribe after drain is refused", async () => {
  const bus = new MemoryBus();
  await bus.drain();
  expect(() => bus.subscribe("x")).toThrow(BusError);
  expect(bus.flush()).rejects.toThrow(BusError);
});

test("memory: drain gives up on an unanswered request after drainTimeoutMs", async () => {
  const bus = new MemoryBus({ drainTimeoutMs: 50 });
  const sub = bus.subscribe("stuck");
  const reply = bus.request("stuck", new Uint8Array(), { timeoutMs: 5000 });
  const reader = (async () => {
    for await (const _ of sub) {
      /* takes the request, never answers */
    }
  })();
  await bus.drain();
  await reader;
  const err = await reply.catch((e) => e);
  expect(err).toBeInstanceOf(BusError);
  expect((err as BusError).code).toBe("closed");
});
