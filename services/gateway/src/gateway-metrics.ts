import { Counter, Gauge, Histogram, type Registry } from "@medusa/ops";
import type { Gateway } from "./gateway.ts";

type Fetch<S> = (req: Request, server: S) => Response | undefined | Promise<Response | undefined>;

/**
 * The gateway's figures: nodes whose WebSocket this replica holds, and every
 * HTTP answer by method and status class with its latency (a WebSocket
 * upgrade counts as 101). No path label: ids in paths would make one series
 * per job. Returns the app's fetch, measured.
 */
export function gatewayMetrics<S>(gateway: Gateway, registry: Registry, fetch: Fetch<S>): Fetch<S> {
  const registers = [registry];
  new Gauge({
    name: "medusa_nodes_connected",
    help: "Nodes connected to this gateway replica (sum over replicas for the deployment).",
    registers,
    collect() {
      this.set(gateway.hub.size);
    },
  });
  const answered = new Counter({ name: "medusa_http_requests_total", help: "HTTP requests answered, by method and status class (2xx, 4xx…; 101 for a WebSocket upgrade).", labelNames: ["method", "status"], registers });
  const latency = new Histogram({ name: "medusa_http_request_duration_seconds", help: "Time to the response's head (not the body of a stream).", labelNames: ["method"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
  return async (req, server) => {
    const stop = latency.startTimer({ method: req.method });
    const res = await fetch(req, server);
    stop();
    answered.inc({ method: req.method, status: res ? `${Math.floor(res.status / 100)}xx` : "101" });
    return res;
  };
}
