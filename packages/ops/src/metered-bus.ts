import { Counter, Histogram, type Registry } from "prom-client";
import { BusError, type Bus, type BusMessage, type BusSubscription } from "@medusa/core";

/** From a loopback round trip (under a millisecond) to a request near its timeout. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The bus, measured: how long each request this process sends takes (by
 * subject and outcome), and how long its handlers take to answer the requests
 * they serve (by the subject they subscribed to, so wildcards keep the label
 * set small). Everything else passes straight through, so adapter checks such
 * as `instanceof NatsBus` still see the real bus.
 */
export function meteredBus(bus: Bus, registry: Registry): Bus {
  const sent = new Histogram({
    name: "medusa_bus_request_duration_seconds",
    help: "Requests this process sent over the bus, from send to reply, by subject and outcome (ok, an error code of the bus, or error).",
    labelNames: ["subject", "outcome"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const handled = new Histogram({
    name: "medusa_bus_handle_duration_seconds",
    help: "Requests this process served over the bus, from arrival to reply, by the subject it subscribed to.",
    labelNames: ["subject"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const received = new Counter({ name: "medusa_bus_messages_received_total", help: "Messages delivered to this process's subscriptions, by the subject subscribed to.", labelNames: ["subject"], registers: [registry] });

  const request: Bus["request"] = async (subject, data, opts) => {
    const stop = sent.startTimer({ subject });
    try {
      const reply = await bus.request(subject, data, opts);
      stop({ outcome: "ok" });
      return reply;
    } catch (err) {
      stop({ outcome: err instanceof BusError ? err.code : "error" });
      throw err;
    }
  };

  const subscribe: Bus["subscribe"] = (subject, opts) => {
    const inner = bus.subscribe(subject, opts);
    // Only a request is answered, so a plain event counts as received and is never timed.
    const timed = (message: BusMessage): BusMessage => {
      received.inc({ subject });
      const started = performance.now();
      let answered = false;
      return {
        subject: message.subject,
        data: message.data,
        respond(reply) {
          if (!answered) {
            answered = true;
            handled.observe({ subject }, (performance.now() - started) / 1000);
          }
          message.respond(reply);
        },
      };
    };
    const subscription: BusSubscription = {
      unsubscribe: () => inner.unsubscribe(),
      async *[Symbol.asyncIterator]() {
        for await (const message of inner) yield timed(message);
      },
    };
    return subscription;
  };

  return new Proxy(bus, {
    get(target, prop) {
      if (prop === "request") return request;
      if (prop === "subscribe") return subscribe;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
