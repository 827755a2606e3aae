// The cost preview asks the API for each form state and shows only the newest answer; plain JS, run by bun test.
import { describe, expect, test } from "bun:test";
import { costQuoter } from "./job-cost.js";
import { rateMeter } from "./job-rate.js";

describe("cost quoter", () => {
  /** Timers run by hand, requests answered by hand, so the order of answers is the test's to choose. */
  function harness() {
    const timers = [];
    const pending = [];
    const shown = [];
    const quoter = costQuoter((body) => new Promise((resolve, reject) => pending.push({ body, resolve, reject })), (q, e) => shown.push(q ?? `error: ${e.message}`), {
      setTimer: (fn) => timers.push(fn) - 1,
      clearTimer: (id) => id !== undefined && (timers[id] = null),
    });
    const fire = async () => {
      for (const [i, fn] of timers.entries()) if (fn) (timers[i] = null), await fn();
    };
    return { quoter, pending, shown, fire };
  }

  test("quiet typing sends one request, for the last state", async () => {
    const h = harness();
    h.quoter({ chunkSize: 1 });
    h.quoter({ chunkSize: 10 });
    const done = h.fire();
    expect(h.pending.map((p) => p.body)).toEqual([{ chunkSize: 10 }]);
    h.pending[0].resolve({ worstCase: 100 });
    await done;
    expect(h.shown).toEqual([{ worstCase: 100 }]);
  });

  test("an answer to an older state is dropped when a newer one was asked for; errors are passed on", async () => {
    const h = harness();
    h.quoter({ stop: 10000 });
    const first = h.fire();
    h.quoter({ stop: 1000 });
    const second = h.fire();
    h.pending[1].resolve({ worstCase: 100 });
    h.pending[0].resolve({ worstCase: 1000 });
    await Promise.all([first, second]);
    expect(h.shown).toEqual([{ worstCase: 100 }]);
    h.quoter({ chunkSize: 0 });
    const third = h.fire();
    h.pending[2].reject(new Error("chunkSize: Too small"));
    await third;
    expect(h.shown.at(-1)).toBe("error: chunkSize: Too small");
  });
});

describe("rate meter", () => {
  test("counts only what finished after the baseline, over the recent window", () => {
    let t = 0;
    const meter = rateMeter(() => t);
    meter.baseline(50);
    meter.sample(50);
    expect(meter.perSecond()).toBeNull();
    t = 2000;
    meter.sample(60);
    expect(meter.perSecond()).toBe(5);
    t = 4000;
    expect(meter.perSecond()).toBe(2.5);
    t = 30_000;
    meter.sample(70);
    t = 31_000;
    meter.sample(80);
    // The anchor is the last sample before the window: a stall still shows.
    expect(meter.perSecond()).toBeCloseTo(20 / 29, 5);
    t = 42_000;
    meter.sample(90);
    expect(meter.perSecond()).toBeCloseTo(10 / 11, 5);
  });
});
