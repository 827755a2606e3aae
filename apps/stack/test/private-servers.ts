import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { until } from "@medusa/testing/until";

/**
 * A Redis or NATS server of the test's own, on its own port, with its data
 * in the test's folder: what a test may kill and start again (the shared
 * servers on 6379 and 4222 belong to every suite). Redis runs as compose.yaml
 * runs it: AOF, fsync every second; NATS with JetStream on file storage.
 */
export interface PrivateServer {
  url: string;
  /** SIGKILL: nothing flushed on the way out. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
}

const freePort = () => 20_000 + Math.floor(Math.random() * 30_000);
const portOpen = (port: number) =>
  Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, open(s) { s.end(); } } }).then(() => true, () => false);

function server(name: string, port: number, url: string, command: () => string[]): PrivateServer {
  let proc: Subprocess | null = null;
  const self: PrivateServer = {
    url,
    async kill() {
      proc?.kill("SIGKILL");
      await proc?.exited;
      proc = null;
      await until(async () => !(await portOpen(port)), 10_000, `${name} to stop`);
    },
    async start() {
      proc = Bun.spawn(command(), { stdout: "ignore", stderr: "ignore" });
      await until(() => portOpen(port), 20_000, `${name} on port ${port}`, { everyMs: 50 });
    },
  };
  return self;
}

export async function privateRedis(dir: string): Promise<PrivateServer> {
  const port = freePort();
  const data = join(dir, "redis");
  mkdirSync(data, { recursive: true });
  const redis = server("redis", port, `redis://127.0.0.1:${port}`, () => ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", data, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]);
  await redis.start();
  return redis;
}

export async function privateNats(dir: string): Promise<PrivateServer> {
  const port = freePort();
  const data = join(dir, "nats");
  mkdirSync(data, { recursive: true });
  const bin = Bun.which("nats-server") ?? "/usr/sbin/nats-server";
  const nats = server("nats", port, `nats://127.0.0.1:${port}`, () => [bin, "-p", String(port), "-a", "127.0.0.1", "-js", "-sd", data]);
  await nats.start();
  return nats;
}
