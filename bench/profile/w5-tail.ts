/**
 * Where W5's tail comes from: W5 as `npm run bench` runs it, with each round
 * cut into hops (probes put on the prototypes from outside, as instrument.ts
 * does; no service code changes), an event-loop lag sampler (1 ms), and a
 * heap-size sampler (10 ms) that shows a collection as a drop. For every slow round it prints
 * the hops and what else ran in this process while it waited.
 *
 *   bun bench/profile/w5-tail.ts [embedded|distributed] [rounds=400] [--slow=5]
 *   MEDUSA_NATS_URL=… MEDUSA_REDIS_URL=… bun bench/profile/w5-tail.ts distributed
 *   bun bench/profile/w5-tail.ts embedded 20 --w4 --slow=0   # W4's k-means rounds, the same hops
 *
 * Hops (one process, one clock): client→gateway (socket send to
 * Session.request), gateway→node (to SessionHost.round, per node), runner
 * (the step call in RunnerPool.run), node→gateway (step done to
 * Session.onPartials), gateway→client (last partial to the client's
 * promise). Lag: how late a 1 ms interval fired.
 */
import { heapSize } from "bun:jsc";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JetStreamSettlements, NatsBus, RedisChunkStore, SqliteChunkStore, SqliteLedgerStore } from "@medusa/adapters";
import { Session } from "@medusa/gateway/sessions/session";
import { SessionHost } from "@medusa/node/agent/session-host";
import { RunnerPool } from "@medusa/node/runner/runner-pool";
import { initialCentroids, KMEANS_PROGRAM, kmeansPoints, reduceCentroids, type Point } from "../../examples/kmeans/kmeans.ts";
import { latencySummary } from "../lib/stats.ts";
import { startTarget, type TargetName } from "../lib/target.ts";
import { driveSession } from "../workloads/sessions.ts";

const args = process.argv.slice(2);
const positional = args.filter((a) => !a.startsWith("--"));
const targetName = (positional[0] ?? "embedded") as TargetName;
const rounds = Number(positional[1] ?? 400);
const slowMs = Number(args.find((a) => a.startsWith("--slow="))?.slice(7) ?? 5);
const kmeans = args.includes("--w4");
const WARMUP = kmeans ? 2 : 20;

interface Span {
  name: string;
  start: number;
  end: number;
  n?: number;
}
const spans: Span[] = [];
type Method = (...a: unknown[]) => unknown;

/** Times every call of a prototype method (promise or not) as a span named `name`. */
function probe(proto: object, method: string, name: string, size?: (args: unknown[]) => number): void {
  const p = proto as Record<string, Method>;
  const original = p[method];
  if (typeof original !== "function") throw new Error(`cannot probe ${name}: ${method} is not a method`);
  p[method] = function (this: unknown, ...a: unknown[]) {
    const start = performance.now();
    const done = () => spans.push({ name, start, end: performance.now(), ...(size ? { n: size(a) } : {}) });
    const out = original.apply(this, a);
    if (out instanceof Promise) return out.finally(done);
    done();
    return out;
  };
}

// What else runs in this process: settlements, the ledger, the chunk store, the bus.
probe(JetStreamSettlements.prototype, "publish", "jetstream.publish", (a) => (a[0] as unknown[]).length);
probe(SqliteLedgerStore.prototype, "apply", "ledger.apply", (a) => (a[0] as unknown[]).length);
for (const [Store, tag] of [[SqliteChunkStore, "sqlite"], [RedisChunkStore, "redis"]] as const) {
  for (const m of ["claimSettlements", "ackSettlements", "requeueExpired", "leaseChunks"]) probe(Store.prototype, m, `${tag}.${m}`);
}
probe(NatsBus.prototype, "request", "nats.request");

// The round's hops.
interface RoundMarks {
  sent?: number;
  atGateway?: number;
  atNode: number[];
  stepStart: number[];
  stepEnd: number[];
  partials: number[];
  answered?: number;
}
const marks = new Map<number, RoundMarks>();
const markOf = (round: number) => {
  let m = marks.get(round);
  if (!m) marks.set(round, (m = { atNode: [], stepStart: [], stepEnd: [], partials: [] }));
  return m;
};
let currentRound = 0;
const wrapAt = (proto: object, method: string, at: (self: unknown, a: unknown[]) => void) => {
  const p = proto as Record<string, Method>;
  const original = p[method]!;
  p[method] = function (this: unknown, ...a: unknown[]) {
    at(this, a);
    return original.apply(this, a);
  };
};
wrapAt(Session.prototype, "request", (_s, a) => (markOf(a[0] as number).atGateway = performance.now()));
wrapAt(Session.prototype, "onPartials", (_s, a) => markOf(a[1] as number).partials.push(performance.now()));
wrapAt(SessionHost.prototype, "round", (_s, a) => markOf((a[0] as { round: number }).round).atNode.push(performance.now()));
{
  const run = RunnerPool.prototype.run;
  RunnerPool.prototype.run = async function (this: RunnerPool, job, call) {
    if (call.task !== "step") return run.call(this, job, call);
    const m = markOf(currentRound);
    m.stepStart.push(performance.now());
    try {
      return await run.call(this, job, call);
    } finally {
      m.stepEnd.push(performance.now());
    }
  };
}

// Event-loop lag and heap drops (a collection), sampled every millisecond.
const lags: Array<{ at: number; lagMs: number }> = [];
const heapDrops: Array<{ at: number; freedMb: number }> = [];
let last = performance.now();
let lastHeap = heapSize();
let tick = 0;
const sampler = setInterval(() => {
  const now = performance.now();
  const lag = now - last - 1;
  if (lag > 1) lags.push({ at: now, lagMs: lag });
  last = now;
  // heapSize() costs ~0.15 ms with W4's points in the heap: read it every 10th tick only.
  if (++tick % 10 !== 0) return;
  const h = heapSize();
  if (h < lastHeap - 256 * 1024) heapDrops.push({ at: now, freedMb: (lastHeap - h) / 2 ** 20 });
  lastHeap = h;
}, 1);

const PROGRAM = "def setup(items):\n    return items\n\ndef step(state, params):\n    return len(state)\n";
const points = kmeansPoints(200_000);
let centroids: Point[] = initialCentroids(points);
const spec = kmeans
  ? { name: "w4-tail", program: { runtime: "python" as const, source: KMEANS_PROGRAM }, input: { items: points }, partitions: 20, timeoutMs: 120_000 }
  : { name: "w5-tail", program: { runtime: "python" as const, source: PROGRAM }, input: { range: { start: 0, stop: 200_000 } }, partitions: 20 };
const target = await startTarget(targetName, console.log);
let run;
let cpuAtStart: NodeJS.CpuUsage | undefined;
let cpuMs = Number.NaN;
try {
  run = await driveSession({ target, quick: false, log: console.log }, spec, {
    warmup: WARMUP,
    rounds,
    budgetMs: 300_000,
    params: (r) => {
      if (r === WARMUP + 1) cpuAtStart = process.cpuUsage();
      currentRound = r;
      markOf(r).sent = performance.now();
      return kmeans ? { centroids } : { r };
    },
    fold: (partials, r) => {
      markOf(r).answered = performance.now();
      if (partials.length !== 20) throw new Error(`round ${r}: ${partials.length} partials`);
      if (kmeans) centroids = reduceCentroids(partials as never, centroids).centroids;
      return r;
    },
  });
  const used = process.cpuUsage(cpuAtStart);
  cpuMs = (used.user + used.system) / 1000;
} finally {
  clearInterval(sampler);
  await target.close();
}

// Per hop, per round (measured rounds only).
const measured = [...marks.entries()].filter(([r, m]) => r > WARMUP && m.answered !== undefined && m.sent !== undefined);
const hop = (f: (m: RoundMarks) => number) => latencySummary(measured.map(([, m]) => f(m)));
const max = (xs: number[]) => Math.max(...xs);
const min = (xs: number[]) => Math.min(...xs);
const hops = {
  total: hop((m) => m.answered! - m.sent!),
  clientToGateway: hop((m) => m.atGateway! - m.sent!),
  gatewayToNode: hop((m) => max(m.atNode) - m.atGateway!),
  queuedAtNode: hop((m) => max(m.stepStart) - min(m.atNode)),
  runnerStep: hop((m) => max(m.stepEnd.map((e, i) => e - m.stepStart[i]!))),
  nodeToGateway: hop((m) => max(m.partials) - max(m.stepEnd)),
  gatewayToClient: hop((m) => m.answered! - max(m.partials)),
};
console.log(`\n${targetName} ${kmeans ? "W4" : "W5"}: ${measured.length} rounds; this process's CPU (stack and nodes, not runners) ${(cpuMs / measured.length).toFixed(2)} ms per round; per hop (ms):`);
for (const [name, s] of Object.entries(hops)) console.log(`  ${name.padEnd(16)} p50 ${s.p50Ms}  p90 ${s.p90Ms}  p99 ${s.p99Ms}  max ${s.maxMs}`);

// Slow rounds and what overlapped them.
const slow = measured.filter(([, m]) => m.answered! - m.sent! > slowMs);
const overlapping = (a: number, b: number) => spans.filter((s) => s.end > a && s.start < b);
const causes = new Map<string, number>();
const slowRows = slow.map(([r, m]) => {
  const a = m.sent!;
  const b = m.answered!;
  const lag = lags.filter((l) => l.at - l.lagMs > a - 1 && l.at - l.lagMs < b);
  const gcs = heapDrops.filter((g) => g.at > a && g.at <= b + 1);
  const busy = overlapping(a, b).map((s) => `${s.name}${s.n ? `(${s.n})` : ""} ${(s.end - s.start).toFixed(1)}`);
  for (const name of new Set(overlapping(a, b).map((s) => s.name))) causes.set(name, (causes.get(name) ?? 0) + 1);
  if (gcs.length) causes.set("heap drop (GC)", (causes.get("heap drop (GC)") ?? 0) + 1);
  if (lag.some((l) => l.lagMs > 2)) causes.set("event-loop lag > 2 ms", (causes.get("event-loop lag > 2 ms") ?? 0) + 1);
  const runner = max(m.stepEnd.map((e, i) => e - m.stepStart[i]!));
  return {
    round: r,
    ms: +(b - a).toFixed(2),
    runnerMs: +runner.toFixed(2),
    maxLagMs: +max([0, ...lag.map((l) => l.lagMs)]).toFixed(2),
    gcFreedMb: +gcs.reduce((s, g) => s + g.freedMb, 0).toFixed(1),
    busy: busy.slice(0, 8),
  };
});
console.log(`\nrounds over ${slowMs} ms: ${slow.length} of ${measured.length}`);
for (const row of slowRows.slice(0, 40)) {
  console.log(`  #${row.round} ${row.ms} ms: runner ${row.runnerMs}, max lag ${row.maxLagMs}, GC freed ${row.gcFreedMb} MB; ${row.busy.join(", ")}`);
}
console.log(`\nin how many slow rounds each was seen: ${[...causes].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
const spanStats = [...new Set(spans.map((s) => s.name))].map((name) => {
  const d = spans.filter((s) => s.name === name).map((s) => s.end - s.start);
  return { name, ...latencySummary(d) };
});
console.log("spans over the run (ms):");
for (const s of spanStats) console.log(`  ${s.name.padEnd(26)} n ${s.n}  p50 ${s.p50Ms}  p99 ${s.p99Ms}  max ${s.maxMs}`);
console.log(`event-loop lag > 2 ms: ${lags.filter((l) => l.lagMs > 2).length} times, max ${max([0, ...lags.map((l) => l.lagMs)]).toFixed(1)} ms; heap drops: ${heapDrops.length}`);

const dir = join(import.meta.dir, "..", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `w5-tail-${targetName}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify({ target: targetName, rounds: measured.length, cpuMsPerRound: cpuMs / measured.length, hops, slow: slowRows, spans: spanStats, lagsOver2: lags.filter((l) => l.lagMs > 2).length, heapDrops: heapDrops.length }, null, 1));
console.log(`wrote ${file}; gateway-measured p50 ${latencySummary(run.gatewayMs).p50Ms} ms`);
