/**
 * Settlement outbox benchmark: what several scheduler replicas spend moving
 * the chunk store's outbox onto JetStream, with claimed batches (what the
 * forwarder does) and broadcast (what it did before: every replica sent every
 * entry it saw until one acknowledged it).
 *
 *   bun bench/outbox.ts [--n 20000] [--replicas 1,2,3]
 *
 * Broadcast is the same forwarder with a claim of 0 ms: a claim that runs out
 * the moment it is made lets every replica take the same entries, which is
 * what the unclaimed scan did. Each run gets a Redis and a NATS of its own
 * (so their CPU is the run's alone). Two outboxes: a backlog (`n` refunds
 * waiting, as after a credits outage) and a steady flow (refunds made at
 * 2,000/s while the forwarders run, each ten kicking one replica, as the
 * replica that made them does). Timed until the outbox is empty. The
 * steady rows' CPU includes making the refunds (this process and Redis),
 * the same in both modes; compare the modes, not the scenarios. CPU is user + system time
 * of the forwarders (this process), redis-server and nats-server.
 * Prints a table and writes bench/results/outbox-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { connect } from "nats";
import { JetStreamSettlements, RedisChunkStore } from "@medusa/adapters";
import type { JobRecord, Settlement, SettlementQueue } from "@medusa/core";
import { forwardSettlements, SETTLEMENT_CLAIM_MS } from "@medusa/scheduler/settlement-forwarder";
import { cpuSecondsUsed } from "@medusa/node/runner/proc-stats";
import { privateNats, privateRedis } from "../apps/stack/test/private-servers.ts";
import { loadNow, machine } from "./lib/machine.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const n = Number(arg("n", "20000"));
const replicaCounts = arg("replicas", "1,2,3").split(",").map(Number);
if (!Number.isInteger(n) || n < 1 || replicaCounts.some((r) => !Number.isInteger(r) || r < 1)) throw new Error("--n and --replicas take whole numbers");
const STEADY_PER_S = 2_000;

/** user + system CPU seconds of a process (the servers are ours, found by the port on their command line). */
function cpuOf(port: string): number {
  const pid = Bun.spawnSync(["pgrep", "-f", `(:| )${port}( |$)`]).stdout.toString().trim().split("\n")[0];
  const seconds = pid ? cpuSecondsUsed(Number(pid)) : undefined;
  if (seconds === undefined) throw new Error(`no process listens with port ${port} on its command line`);
  return seconds;
}
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const portOf = (url: string) => new URL(url).port;

const job = (i: number): JobRecord => ({
  id: `job_${i}`, owner: "acct_1", name: "bench", program: { runtime: "python", source: "def map(x):\n    return x" }, hasReduce: false,
  state: "queued", chunks: { total: 0, done: 0, running: 0, failed: 0 }, sealed: false, items: 0, timeoutMs: 1_000, maxAttempts: 3,
  replicas: 1, quorum: 1, credits: { price: 1, held: 5, spent: 0 }, createdAt: i,
});

async function run(scenario: "backlog" | "steady", mode: "claimed" | "broadcast", replicas: number) {
  const dir = mkdtempSync(join(tmpdir(), "medusa-bench-outbox-"));
  const [redisServer, natsServer] = await Promise.all([privateRedis(dir), privateNats(dir)]);
  const prefix = `benchoutbox${Date.now().toString(36)}`;
  const seedRedis = new Redis(redisServer.url);
  const seed = new RedisChunkStore(seedRedis, prefix);
  const refund = (i: number) => seed.createJob(job(i), i).then(() => seed.cancelJob(`job_${i}`, i));
  if (scenario === "backlog") {
    for (let i = 0; i < n; i += 200) await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, k) => refund(i + k)));
    if ((await seed.pendingSettlements(n + 1)).length !== n) throw new Error("the outbox was not seeded: the benchmark is invalid");
  }
  let sent = 0;
  const sides = await Promise.all(
    Array.from({ length: replicas }, async () => {
      const redis = new Redis(redisServer.url);
      const nc = await connect({ servers: natsServer.url });
      const queue = await JetStreamSettlements.open(nc, { prefix });
      const counting: SettlementQueue = {
        publish: async (batch: Settlement[]) => {
          sent += batch.length;
          await queue.publish(batch);
        },
        consume: (handler) => queue.consume(handler),
        close: () => queue.close(),
      };
      return { redis, nc, queue, store: new RedisChunkStore(redis, prefix), counting };
    }),
  );
  const load = loadNow();
  const cpu0 = { self: selfCpu(), redis: cpuOf(portOf(redisServer.url)), nats: cpuOf(portOf(natsServer.url)) };
  const t0 = performance.now();
  const leaseMs = mode === "claimed" ? SETTLEMENT_CLAIM_MS : 0;
  const forwarders = sides.map((s) => forwardSettlements(s.store, s.counting, { leaseMs, log: () => {} }));
  if (scenario === "steady") {
    // Transitions arrive at STEADY_PER_S in tens, each kicking the replica that made it, as a scheduler does.
    for (let i = 0; i < n; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => refund(i + k)));
      forwarders[(i / 10) % replicas]!.kick();
      await Bun.sleep(10_000 / STEADY_PER_S);
    }
  }
  while ((await seed.pendingSettlements(1)).length > 0) await Bun.sleep(5);
  const ms = performance.now() - t0;
  await Promise.all(forwarders.map((f) => f.close()));
  const cpu = {
    forwarders: selfCpu() - cpu0.self,
    redis: cpuOf(portOf(redisServer.url)) - cpu0.redis,
    nats: cpuOf(portOf(natsServer.url)) - cpu0.nats,
  };
  // JetStream's dedupe keeps one copy of each entry however many were sent.
  const stored = (await (await sides[0]!.nc.jetstreamManager()).streams.info(`${prefix}_settlements`)).state.messages;
  if (stored !== n) throw new Error(`the stream holds ${stored} of ${n} settlements: the benchmark is invalid`);
  for (const s of sides) {
    await s.nc.close();
    s.redis.disconnect();
  }
  seedRedis.disconnect();
  await Promise.all([redisServer.kill(), natsServer.kill()]);
  rmSync(dir, { recursive: true, force: true });
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    scenario, mode, replicas, settlements: n, published: sent, ms: Math.round(ms),
    cpuSeconds: { forwarders: round(cpu.forwarders), redis: round(cpu.redis), nats: round(cpu.nats), total: round(cpu.forwarders + cpu.redis + cpu.nats) },
    load1m: load[0],
  };
}

const results = [];
for (const scenario of ["backlog", "steady"] as const)
  for (const replicas of replicaCounts) for (const mode of ["claimed", "broadcast"] as const) results.push(await run(scenario, mode, replicas));

console.log(`\nSettlement outbox, ${n} entries (command: bun bench/outbox.ts --n ${n} --replicas ${replicaCounts.join(",")})\n`);
console.log("outbox   mode       replicas  published      ms   cpu s: fwd  redis   nats  total  load 1m");
for (const r of results) {
  const c = r.cpuSeconds;
  console.log(`${r.scenario.padEnd(8)} ${r.mode.padEnd(10)} ${String(r.replicas).padStart(8)}  ${String(r.published).padStart(9)}  ${String(r.ms).padStart(6)}  ${c.forwarders.toFixed(2).padStart(10)}  ${c.redis.toFixed(2).padStart(5)}  ${c.nats.toFixed(2).padStart(5)}  ${c.total.toFixed(2).padStart(5)}  ${r.load1m}`);
}
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const file = join(import.meta.dir, "results", `outbox-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await Bun.write(file, JSON.stringify({ startedAt: new Date().toISOString(), machine: machine(), n, results }, null, 2));
console.log(`\nwrote ${file}`);
process.exit(0);
