import { expect, test } from "bun:test";
import { z } from "zod";
import { call, decodeJson, defineEvent, defineRequest, emit, encodeJson, listen, MedusaError, serve, WIRE_VERSION } from "@medusa/core";
import { MemoryBus } from "./memory-bus.ts";

/** `v` is checked on receipt, before the shape: a message of another wire version is never processed. */
const Add = defineRequest("wire.math.add", z.object({ a: z.number(), b: z.number() }), z.object({ sum: z.number() }));
const Tick = defineEvent(() => "wire.clock.ticked", "wire.clock.ticked", z.object({ n: z.number() }));

test("serve answers a request of another version `unsupported`, naming both versions, and never runs the handler", async () => {
  const bus = new MemoryBus();
  const handled: unknown[] = [];
  serve(bus, Add, (req) => (handled.push(req), { sum: req.a + req.b }));
  for (const v of [2, 0, "1", undefined]) {
    const reply = decodeJson(await bus.request(Add.subject, encodeJson({ v, data: { a: 1, b: 2 } }), { timeoutMs: 1000 })) as {
      v: number;
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(reply).toMatchObject({ v: WIRE_VERSION, ok: false, error: { code: "unsupported" } });
    expect(reply.error.message).toContain(`wire version ${v === undefined ? "missing" : JSON.stringify(v)} is not understood here (this side speaks ${WIRE_VERSION})`);
  }
  expect(handled).toEqual([]);
  expect(await call(bus, Add, { a: 1, b: 2 })).toEqual({ sum: 3 });
  await bus.drain();
});

test("call refuses a reply of another version, even one shaped like a good answer", async () => {
  const bus = new MemoryBus();
  const sub = bus.subscribe(Add.subject);
  void (async () => {
    for await (const m of sub) m.respond(encodeJson({ v: WIRE_VERSION + 1, ok: true, data: { sum: 3 } }));
  })();
  const err = await call(bus, Add, { a: 1, b: 2 }).catch((e) => e);
  expect(err).toBeInstanceOf(MedusaError);
  expect(err.code).toBe("unsupported");
  expect(err.message).toBe(`wire.math.add: wire version ${WIRE_VERSION + 1} is not understood here (this side speaks ${WIRE_VERSION})`);
  await bus.drain();
});

test("listen reports an event of another version and skips it; the next one is handled", async () => {
  const bus = new MemoryBus();
  const seen: number[] = [];
  const reported: unknown[] = [];
  const listening = listen(bus, Tick, ({ n }) => void seen.push(n), { onError: (e) => reported.push(e) });
  bus.publish(Tick.subject(), encodeJson({ v: WIRE_VERSION + 1, data: { n: 1 } }));
  emit(bus, Tick, { n: 2 });
  await bus.flush();
  while (seen.length < 1) await Bun.sleep(5);
  expect(seen).toEqual([2]);
  expect(reported).toHaveLength(1);
  expect((reported[0] as MedusaError).code).toBe("unsupported");
  listening.subscription.unsubscribe();
  await bus.drain();
});
