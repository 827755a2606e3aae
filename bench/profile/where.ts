/**
 * Where W1's and W2's time goes on the embedded stack. Probes are put on
 * the bus, chunk store and runner classes from outside (instrument.ts), the
 * stack is started as `npm run bench` starts it, and the workload runs.
 *
 *   bun bench/profile/where.ts w1 [items=2000]
 *   bun bench/profile/where.ts w2 [calls=30]
 *   bun bench/profile/where.ts w2-warm [calls=8]   # W2 with loaded runners at hand (preloadPython)
 *   bun bench/profile/where.ts w3                  # W3's 200 prime chunks
 *   add --what-if=sqlite-normal, nice-spares or defer-spares to measure a recommended change (instrument.ts)
 *   bun --cpu-prof-md --cpu-prof-dir=/tmp/prof bench/profile/where.ts w1   # plus a CPU profile of this process
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { INC, python, runJob, type FinishedJob } from "../lib/job.ts";
import { latencySummary } from "../lib/stats.ts";
import { quiesce } from "../lib/quiesce.ts";
import { startTarget } from "../lib/target.ts";
import { PRIMES_SOURCE, primeChunks } from "../workloads/primes.ts";
import { cpuSnapshot, cpuSpent } from "./cpu.ts";
import { install, preloadPython, runnerPids, spans, whatIfNiceSpares, whatIfDeferSpares, whatIfSqliteNormal, type Span } from "./instrument.ts";

const whatIfs = process.argv.filter((a) => a.startsWith("--what-if=")).map((a) => a.slice("--what-if=".length));
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
for (const w of whatIfs) {
  if (w === "sqlite-normal") whatIfSqliteNormal();
  else if (w === "nice-spares") whatIfNiceSpares();
  else if (w === "defer-spares") whatIfDeferSpares();
  else throw new Error(`unknown --what-if=${w}; known: sqlite-normal, nice-spares, defer-spares`);
}
install();
const arg = positional[0];
const warmRunners = arg === "w2-warm";
const mode = arg === "w2" || warmRunners ? "w2" : arg === "w3" ? "w3" : "w1";
const count = mode === "w3" ? 200 : Number(positional[1] ?? (mode === "w1" ? 2000 : warmRunners ? 8 : 30));
// The warm-up job takes one runner per node; either node may get every measured call.
if (warmRunners) preloadPython(count + 1);
const target = await startTarget("embedded", console.log);

await runJob(target.client, { program: INC, input: { range: { start: 0, stop: 200 } }, chunkSize: 1 });
await quiesce();
spans.length = 0;
const cpu0 = cpuSnapshot(runnerPids);
const t0 = performance.now();
const jobs: Array<FinishedJob & { t0: number }> = [];
if (mode === "w3") {
  jobs.push({ ...(await runJob(target.client, { program: python(PRIMES_SOURCE), input: { items: primeChunks() }, chunkSize: 1, timeoutMs: 120_000 })), t0 });
} else if (mode === "w1") {
  jobs.push({ ...(await runJob(target.client, { program: INC, input: { range: { start: 0, stop: count } }, chunkSize: 1 })), t0 });
} else {
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    // As W2 measures it: submit and wait (client.run), no events socket.
    jobs.push({ ...(await runJob(target.client, { program: INC, input: { items: [i] }, chunkSize: 1 }, { waitBy: "results" })), t0: start });
  }
}
const wallMs = performance.now() - t0;
const cpu = cpuSpent(cpu0, cpuSnapshot(runnerPids));
await target.close();

/** Per span name: how many, and their durations. */
function byName(kind: Span["kind"]) {
  const groups = new Map<string, number[]>();
  for (const s of spans) if (s.kind === kind) groups.set(s.name, [...(groups.get(s.name) ?? []), s.end - s.start]);
  return Object.fromEntries([...groups].map(([name, d]) => [name, { ...latencySummary(d), totalMs: Math.round(d.reduce((a, b) => a + b, 0)) }]));
}

/** For one job: ms from its submit to the end (or start) of its first span of each kind. */
function timeline(job: FinishedJob & { t0: number }) {
  const mine = spans.filter((s) => s.jobId === job.id);
  const first = (kind: Span["kind"], name: string, edge: "start" | "end" = "end") => {
    const s = mine.find((x) => x.kind === kind && x.name === name);
    return s ? Math.round((s[edge] - job.t0) * 10) / 10 : Number.NaN;
  };
  return {
    createJob: first("bus", "job.create"),
    leased: first("bus", "chunk.lease"),
    nodeGotChunk: first("pool", "run", "start"),
    runnerReady: first("pool", "runnerFor"),
    ran: first("runner", "run"),
    completed: first("bus", "chunks.complete"),
    doneEvent: Math.round(job.times.final * 10) / 10,
    resultsRead: Math.round(job.times.results * 10) / 10,
  };
}

const report = {
  mode: warmRunners ? "w2-warm" : mode,
  whatIfs,
  count,
  wallMs: Math.round(wallMs),
  itemsPerSec: mode === "w1" ? Math.round((count / wallMs) * 1000) : undefined,
  cpu,
  bus: byName("bus"),
  events: Object.fromEntries(Object.entries(byName("event")).map(([k, v]) => [k, v.n])),
  store: byName("store"),
  pool: byName("pool"),
  runner: byName("runner"),
  timelines: mode === "w2" ? jobs.map(timeline) : undefined,
};
const dir = join(import.meta.dir, "..", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `profile-${mode}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await Bun.write(file, JSON.stringify(report, null, 2));

const row = (name: string, s: { n: number; p50Ms: number; p99Ms: number; meanMs: number; totalMs: number }) =>
  `${name.padEnd(22)} ${String(s.n).padStart(6)} ${String(s.p50Ms).padStart(9)} ${String(s.p99Ms).padStart(9)} ${String(s.meanMs).padStart(9)} ${String(s.totalMs).padStart(9)}`;
console.log(`\n${mode}${whatIfs.length ? ` (what-if: ${whatIfs.join(", ")})` : ""}: ${count} ${mode === "w2" ? "calls" : "chunks"} in ${report.wallMs} ms${report.itemsPerSec ? ` = ${report.itemsPerSec} items/s` : ""}; CPU s: this process ${cpu.mainS}, runners ${cpu.runnersS}`);
console.log(`${"span".padEnd(22)} ${"n".padStart(6)} ${"p50 ms".padStart(9)} ${"p99 ms".padStart(9)} ${"mean ms".padStart(9)} ${"total ms".padStart(9)}`);
for (const kind of ["bus", "store", "pool", "runner"] as const) for (const [name, s] of Object.entries(report[kind])) console.log(row(`${kind}.${name}`, s));
console.log(`events published: ${JSON.stringify(report.events)}`);
// A lease reply that names no job came back empty.
const leases = spans.filter((s) => s.kind === "bus" && s.name === "chunk.lease");
if (mode === "w2") console.log(`per job: ${(leases.length / count).toFixed(2)} lease requests, ${(leases.filter((s) => !s.jobId).length / count).toFixed(2)} of them empty; ${((report.bus["job.program"]?.n ?? 0) / count).toFixed(2)} program requests`);
if (report.timelines) {
  const keys = Object.keys(report.timelines[0]!) as Array<keyof ReturnType<typeof timeline>>;
  console.log(`\nW2 timeline, ms since submit (p50 over ${report.timelines.length} calls; fast = runner was loaded):`);
  const fast = report.timelines.filter((t) => t.runnerReady - t.nodeGotChunk < 100);
  const slow = report.timelines.filter((t) => !(t.runnerReady - t.nodeGotChunk < 100));
  // Each step is the p50 over calls of (this stage − the one before) within a call, so steps add up per call, not across.
  keys.forEach((k, i) => {
    const step = (t: (typeof fast)[number]) => t[k] - (i === 0 ? 0 : t[keys[i - 1]!]);
    const p = (ts: typeof fast, f: (t: (typeof fast)[number]) => number) => latencySummary(ts.map(f).filter((x) => !Number.isNaN(x))).p50Ms;
    const cell = (ts: typeof fast) => `${String(p(ts, (t) => t[k])).padStart(8)} (+${p(ts, step)})`.padEnd(20);
    console.log(`  ${k.padEnd(14)} all ${cell(report.timelines!)} fast(${fast.length}) ${cell(fast)} slow(${slow.length}) ${cell(slow)}`);
  });
}
console.log(`\nwrote ${file}`);
process.exit(0);
