import { mkdirSync, readdirSync, statSync, truncateSync } from "node:fs";
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

function server(name: string, port: number, url: string, logFile: string, command: () => string[]): PrivateServer {
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
      proc = Bun.spawn(command(), { stdout: Bun.file(logFile), stderr: "ignore" });
      await until(() => portOpen(port), 20_000, `${name} on port ${port}`, { everyMs: 50 });
    },
  };
  return self;
}

export interface PrivateRedis extends PrivateServer {
  /**
   * A power loss under `appendfsync everysec`: SIGKILL, then the append-only
   * file cut back to where it stood `loseMs` earlier (a process crash alone
   * loses nothing: what Redis wrote is in the OS's cache). Returns the bytes
   * of AOF dropped.
   */
  powerLoss(loseMs: number): Promise<number>;
}

export async function privateRedis(dir: string): Promise<PrivateRedis> {
  const port = freePort();
  const data = join(dir, "redis");
  mkdirSync(data, { recursive: true });
  const redis = server("redis", port, `redis://127.0.0.1:${port}`, join(data, "..", "redis.log"), () => ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", data, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--aof-load-truncated", "yes"]);
  await redis.start();
  // The newest incremental AOF file, and its size over the last few seconds.
  const aofDir = join(data, "appendonlydir");
  const incr = () => readdirSync(aofDir).filter((f) => f.endsWith(".incr.aof")).sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2])).at(-1);
  const sizes: Array<{ at: number; file: string; size: number }> = [];
  const sampler = setInterval(() => {
    const file = incr();
    if (file) sizes.push({ at: Date.now(), file, size: statSync(join(aofDir, file)).size });
    if (sizes.length > 200) sizes.shift();
  }, 25);
  const kill = redis.kill;
  return {
    ...redis,
    async kill() {
      clearInterval(sampler);
      await kill();
    },
    async powerLoss(loseMs) {
      const at = Date.now();
      await kill();
      const file = incr()!;
      const path = join(aofDir, file);
      const size = statSync(path).size;
      const then = sizes.filter((s) => s.file === file && s.at <= at - loseMs).at(-1)?.size ?? size;
      truncateSync(path, then);
      return size - then;
    },
  };
}

export async function privateNats(dir: string): Promise<PrivateServer> {
  const port = freePort();
  const data = join(dir, "nats");
  mkdirSync(data, { recursive: true });
  const bin = Bun.which("nats-server") ?? "/usr/sbin/nats-server";
  const nats = server("nats", port, `nats://127.0.0.1:${port}`, join(data, "..", "nats.log"), () => [bin, "-p", String(port), "-a", "127.0.0.1", "-js", "-sd", data]);
  await nats.start();
  return nats;
}
