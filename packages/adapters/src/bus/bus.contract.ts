import { afterEach, describe, expect, test } from "bun:test";
import { z } from "zod";
import { BusError, call, currentRequestId, decodeJson, defineRequest, encodeJson, MedusaError, serve, withRequestId, type Bus, type BusMessage, type BusSubscription } from "@medusa/core";

/**
 * One suite every Bus adapter must pass, so the in-process bus can stand in
 * for NATS without surprises. Each test uses its own subjects and its own bus.
 */
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads until a message on `last` arrives (a sentinel published after everything under test). */
async function readUntil(sub: BusSubscription, last: string, ms = 3000): Promise<BusMessage[]> {
  const got: BusMessage[] = [];
  const reading = (async () => {
    for await (const msg of sub) {
      got.push(msg);
      if (msg.subject === last) return;
    }
  })();
  await Promise.race([reading, sleep(ms).then(() => Promise.reject(new Error(`no ${last} within ${ms} ms; got ${got.length}`)))]);
  return got;
}

async function take(sub: BusSubscription, n: number, ms = 3000): Promise<BusMessage[]> {
  const got: BusMessage[] = [];
  const reading = (async () => {
    if (n === 0) return;
    for await (const msg of sub) if (got.push(msg) >= n) return;
  })();
  await Promise.race([reading, sleep(ms).then(() => Promise.reject(new Error(`wanted ${n} messages within ${ms} ms; got ${got.length}`)))]);
  return got;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

const Add = defineRequest("contract.math.add", z.object({ a: z.number(), b: z.number() }), z.object({ sum: z.number() }));
const Find = defineRequest("contract.thing.get", z.object({ id: z.string() }), z.object({ id: z.string() }));

export function busContract(name: string, make: () => Promise<Bus>) {
  describe(`Bus contract: ${name}`, () => {
    const open: Bus[] = [];
    const fresh = async () => {
      const bus = await make();
      open.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.drain().catch(() => {})));
    });

    test("a subscriber gets messages on its subject only, with the subject as published", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("ps.a");
      bus.publish("ps.b", enc("not for you"));
      bus.publish("ps.a", enc("hello"));
      bus.publish("ps.a", enc("end"));
      const got = await take(sub, 2);
      expect(got.map((m) => [m.subject, dec(m.data)])).toEqual([
        ["ps.a", "hello"],
        ["ps.a", "end"],
      ]);
    });

    test("`*` matches exactly one token", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("wc.*.x");
      for (const s of ["wc.1.x", "wc.1.y", "wc.1.2.x", "wc.x", "wc.2.x", "wc.end.x"]) bus.publish(s, enc(s));
      const got = await readUntil(sub, "wc.end.x");
      expect(got.map((m) => m.subject)).toEqual(["wc.1.x", "wc.2.x", "wc.end.x"]);
    });

    test("`>` matches one or more trailing tokens", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("gt.>");
      for (const s of ["gt", "gt.a", "other.a", "gt.a.b.c", "gtx.a", "gt.end"]) bus.publish(s, enc(s));
      const got = await readUntil(sub, "gt.end");
      expect(got.map((m) => m.subject)).toEqual(["gt.a", "gt.a.b.c", "gt.end"]);
    });

    test("a queue group shares messages (each to one member) while plain subscribers get every one", async () => {
      const bus = await fresh();
      const members = [bus.subscribe("qg.job", { queue: "workers" }), bus.subscribe("qg.job", { queue: "workers" })];
      const counts = [0, 0];
      const seen = new Set<string>();
      const loops = members.map(async (sub, i) => {
        for await (const msg of sub) {
          counts[i]!++;
          seen.add(dec(msg.data));
        }
      });
      const watcher = bus.subscribe("qg.job");
      for (let i = 0; i < 100; i++) bus.publish("qg.job", enc(String(i)));
      bus.publish("qg.job", enc("end"));
      expect(await take(watcher, 101)).toHaveLength(101);
      await bus.flush();
      await sleep(50);
      members.forEach((m) => m.unsubscribe());
      await Promise.all(loops);
      expect(counts[0]! + counts[1]!).toBe(101);
      expect(seen.size).toBe(101);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBeGreaterThan(0);
    });

    test("every plain subscriber gets its own copy", async () => {
      const bus = await fresh();
      const subs = [bus.subscribe("fan.out"), bus.subscribe("fan.*"), bus.subscribe("fan.>")];
      for (let i = 0; i < 10; i++) bus.publish("fan.out", enc(String(i)));
      const all = await Promise.all(subs.map((s) => take(s, 10)));
      for (const got of all) expect(got.map((m) => dec(m.data))).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    });

    test("request/reply round trip", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("rr.upper");
      const subjects: string[] = [];
      void (async () => {
        for await (const msg of sub) {
          subjects.push(msg.subject);
          msg.respond(enc(dec(msg.data).toUpperCase()));
        }
      })();
      expect(dec(await bus.request("rr.upper", enc("abc"), { timeoutMs: 2000 }))).toBe("ABC");
      expect(dec(await bus.request("rr.upper", enc("xyz"), { timeoutMs: 2000 }))).toBe("XYZ");
      expect(subjects).toEqual(["rr.upper", "rr.upper"]);
    });

    test("respond on a plain publish is a harmless no-op", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("noreply.x");
      bus.publish("noreply.x", enc("hi"));
      const [msg] = await take(sub, 1);
      expect(() => msg!.respond(enc("ignored"))).not.toThrow();
    });

    test("no_responders comes at once and is not a timeout", async () => {
      const bus = await fresh();
      const started = Date.now();
      const err = await rejection(bus.request("nobody.home", enc("?"), { timeoutMs: 5000 }));
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusError).code).toBe("no_responders");
      expect((err as BusError).subject).toBe("nobody.home");
      // Far below the timeout: it did not wait for it.
      expect(Date.now() - started).toBeLessThan(2500);
    });

    test("a request nobody answers times out after timeoutMs", async () => {
      const bus = await fresh();
      bus.subscribe("silent.svc"); // listens, never answers
      const started = Date.now();
      const err = await rejection(bus.request("silent.svc", enc("?"), { timeoutMs: 150 }));
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusError).code).toBe("timeout");
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    test("a failing consumer does not stop delivery to others", async () => {
      const bus = await fresh();
      const failing = bus.subscribe("fail.evt");
      const healthy = bus.subscribe("fail.evt");
      const failure = (async () => {
        for await (const _ of failing) throw new Error("consumer bug");
      })().catch((err: Error) => err.message);
      for (let i = 0; i < 5; i++) bus.publish("fail.evt", enc(String(i)));
      expect(await failure).toBe("consumer bug");
      for (let i = 5; i < 10; i++) bus.publish("fail.evt", enc(String(i)));
      const got = await take(healthy, 10);
      expect(got.map((m) => Number(dec(m.data)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    test("1000 messages from one publisher arrive in order", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("order.seq");
      for (let i = 0; i < 1000; i++) bus.publish("order.seq", enc(String(i)));
      const got = await take(sub, 1000);
      expect(got.map((m) => Number(dec(m.data)))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    });

    test("delivery is never re-entrant inside publish", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("async.x");
      let handled = 0;
      const loop = (async () => {
        for await (const _ of sub) if (++handled === 1) return;
      })();
      bus.publish("async.x", enc("1"));
      expect(handled).toBe(0);
      await loop;
      expect(handled).toBe(1);
    });

    test("unsubscribe ends the iterator", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("unsub.x");
      const got: string[] = [];
      const loop = (async () => {
        for await (const msg of sub) got.push(dec(msg.data));
        return "ended";
      })();
      bus.publish("unsub.x", enc("one"));
      await bus.flush();
      while (got.length === 0) await sleep(5);
      sub.unsubscribe();
      expect(await Promise.race([loop, sleep(2000).then(() => "still running")])).toBe("ended");
      bus.publish("unsub.x", enc("two"));
      await bus.flush();
      expect(got).toEqual(["one"]);
    });

    test("drain lets a reader finish what it holds, then closes", async () => {
      const bus = await fresh();
      const sub = bus.subscribe("drain.slow");
      let loopEnded = false;
      void (async () => {
        for await (const msg of sub) {
          await sleep(30);
          msg.respond(enc(`done ${dec(msg.data)}`));
        }
        loopEnded = true;
      })();
      const replies = ["a", "b", "c"].map((x) => bus.request("drain.slow", enc(x), { timeoutMs: 3000 }));
      await bus.flush();
      await bus.drain();
      expect(loopEnded).toBe(true);
      expect((await Promise.all(replies)).map(dec)).toEqual(["done a", "done b", "done c"]);
      expect(() => bus.publish("drain.slow", enc("late"))).toThrow(BusError);
      const err = await rejection(bus.request("drain.slow", enc("late"), { timeoutMs: 500 }));
      expect((err as BusError).code).toBe("closed");
    });

    test("drain waits for a concurrent serve handler to reply", async () => {
      const bus = await fresh();
      const gate = Promise.withResolvers<void>();
      let started = false;
      const served = serve(bus, Add, async ({ a, b }) => {
        started = true;
        await gate.promise;
        return { sum: a + b };
      });
      const answer = call(bus, Add, { a: 2, b: 3 }, { timeoutMs: 3000 });
      while (!started) await sleep(5);
      const draining = bus.drain();
      await sleep(20);
      gate.resolve();
      expect(await answer).toEqual({ sum: 5 });
      await draining;
      await served.done;
    });

    test("typed call/serve round trip", async () => {
      const bus = await fresh();
      serve(bus, Add, ({ a, b }) => ({ sum: a + b }), { queue: "math" });
      expect(await call(bus, Add, { a: 20, b: 22 }, { timeoutMs: 2000 })).toEqual({ sum: 42 });
    });

    test("a MedusaError thrown by a handler reaches the caller with its code", async () => {
      const bus = await fresh();
      serve(bus, Find, ({ id }) => {
        throw new MedusaError("not_found", `thing ${id} not found`);
      });
      const err = await rejection(call(bus, Find, { id: "t1" }, { timeoutMs: 2000 }));
      expect(err).toBeInstanceOf(MedusaError);
      expect((err as MedusaError).code).toBe("not_found");
      expect((err as MedusaError).message).toBe("thing t1 not found");
    });

    test("call with nobody serving is `unavailable`, not a timeout", async () => {
      const bus = await fresh();
      const err = await rejection(call(bus, Find, { id: "x" }, { timeoutMs: 2000 }));
      expect((err as MedusaError).code).toBe("unavailable");
    });

    test("a handler's unexpected error reaches the caller as `internal` and a request id; its message only reaches logs", async () => {
      const bus = await fresh();
      const reports: Array<{ err: unknown; requestId: string }> = [];
      serve(bus, Add, () => {
        throw new TypeError("cannot read 'password' of undefined");
      }, { onError: (err, { requestId }) => reports.push({ err, requestId }) });
      const err = (await rejection(withRequestId("req_caller", () => call(bus, Add, { a: 1, b: 2 }, { timeoutMs: 2000 })))) as MedusaError;
      expect(err).toBeInstanceOf(MedusaError);
      expect(err.toBody()).toEqual({ code: "internal", message: "internal error (request req_caller)", details: { requestId: "req_caller" } });
      // The original travels beside the body, for the caller's own log line.
      expect(err.cause).toBe("cannot read 'password' of undefined");
      expect(reports).toHaveLength(1);
      expect(reports[0]!.requestId).toBe("req_caller");
      expect(reports[0]!.err).toBeInstanceOf(TypeError);
    });

    test("the caller's request id is the handler's, and reaches the calls it makes in turn", async () => {
      const bus = await fresh();
      const seen: Array<string | undefined> = [];
      serve(bus, Find, ({ id }) => {
        seen.push(currentRequestId());
        return { id };
      });
      serve(bus, Add, async ({ a, b }) => {
        seen.push(currentRequestId());
        await call(bus, Find, { id: "nested" }, { timeoutMs: 2000 });
        return { sum: a + b };
      });
      await withRequestId("req_outer", () => call(bus, Add, { a: 1, b: 1 }, { timeoutMs: 2000 }));
      expect(seen).toEqual(["req_outer", "req_outer"]);
      await call(bus, Find, { id: "no context" }, { timeoutMs: 2000 });
      expect(seen[2]).toMatch(/^req_/);
      expect(seen[2]).not.toBe("req_outer");
    });

    test("malformed requests get error replies and the serve loop keeps going", async () => {
      const bus = await fresh();
      const unexpected: unknown[] = [];
      serve(bus, Add, ({ a, b }) => ({ sum: a + b }), { onError: (e) => unexpected.push(e) });
      const notJson = decodeJson(await bus.request(Add.subject, enc("{not json"), { timeoutMs: 2000 })) as { ok: boolean; error: { code: string } };
      expect(notJson.ok).toBe(false);
      expect(notJson.error.code).toBe("internal");
      const wrongShape = decodeJson(await bus.request(Add.subject, encodeJson({ v: 1, data: { a: "two" } }), { timeoutMs: 2000 })) as {
        ok: boolean;
        error: { code: string; message: string };
      };
      expect(wrongShape.ok).toBe(false);
      expect(wrongShape.error.code).toBe("invalid_field");
      expect(await call(bus, Add, { a: 1, b: 1 }, { timeoutMs: 2000 })).toEqual({ sum: 2 });
      expect(unexpected).toHaveLength(1);
    });
  });
}
