/**
 * `npm run bench`: the five workloads of the peer harness
 * (../shared/bench-peers) against the embedded stack and, when
 * MEDUSA_NATS_URL and MEDUSA_REDIS_URL are set, against NATS + Redis.
 * Prints a table and writes bench/results/<timestamp>.json (gitignored;
 * bench/README.md holds the curated figures).
 *
 *   bun bench/run.ts [--quick] [--only W1,W3,cold] [--target embedded|distributed] [--help]
 *
 * After the workloads, the cold-start figures (bench/cold-start.ts: runners
 * that boot Python against runners restored from the node's snapshot) unless
 * --only leaves out `cold`; they write bench/results/cold-start-<timestamp>.json.
 *
 * Then, per target, the curves of how cost grows (bench/curves/): W1 at
 * 1k-1M chunks, W2 with 0-100 other jobs running, W3 on 1-4 local nodes.
 * They are not skipped by the run's budget (each point bounds itself), and
 * `--only curves` runs them alone. Their SVGs are drawn from the JSON into
 * bench/results/<timestamp>-curves/.
 *
 * --quick (or BENCH_QUICK=1) shrinks the counts for a smoke run.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "@medusa/core";
import { writeCurves } from "./curves/plot.ts";
import { w1Scale } from "./curves/w1-scale.ts";
import { w2Load } from "./curves/w2-load.ts";
import { w3Nodes } from "./curves/w3-nodes.ts";
import { coldStart, coldStartTable, writeColdStart } from "./cold-start.ts";
import { machine, watchMachine } from "./lib/machine.ts";
import { quiesce } from "./lib/quiesce.ts";
import { BenchRun, WorkloadId, type WorkloadReport } from "./lib/report.ts";
import { table } from "./lib/table.ts";
import { distributedUrls, startTarget, type TargetName } from "./lib/target.ts";
import { w1 } from "./workloads/w1-overhead.ts";
import { w2 } from "./workloads/w2-latency.ts";
import { w3 } from "./workloads/w3-cpu.ts";
import { w3wasi } from "./workloads/w3-wasi.ts";
import { w4 } from "./workloads/w4-kmeans.ts";
import { w5 } from "./workloads/w5-rounds.ts";
import type { Workload } from "./workloads/workload.ts";

const CURVES: Workload[] = [w1Scale, w2Load, w3Nodes];
const WORKLOADS: Workload[] = [w1, w2, w3, w3wasi, w4, w5, ...CURVES];
/** Each workload bounds itself; past this, the ones not yet started are skipped so the run ends in about 15 minutes. */
const RUN_BUDGET_MS = 12 * 60_000;

const USAGE = `usage: bun bench/run.ts [--quick] [--only W1,W2,W3,W3-wasi,W4,W5,cold,curves] [--target embedded|distributed]...
  NATS + Redis (the distributed target) run too when MEDUSA_NATS_URL and MEDUSA_REDIS_URL are set.`;
const parsed = (() => {
  try {
    return parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, target: { type: "string", multiple: true }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    console.error(`${errorMessage(err)}\n${USAGE}`);
    process.exit(2);
  }
})();
const args = parsed.values;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = args.quick || process.env.BENCH_QUICK === "1";
const byName = (s: string) => {
  const id = WorkloadId.options.find((w) => w.toUpperCase() === s.trim().toUpperCase());
  if (id) return id;
  console.error(`--only: no workload ${JSON.stringify(s.trim())}; the workloads are ${WorkloadId.options.join(", ")}, and cold and curves\n${USAGE}`);
  process.exit(2);
};
const onlyNames = args.only?.split(",").flatMap((s) => (s.trim().toLowerCase() === "curves" ? CURVES.map((w) => w.id) : [s.trim()]));
const runCold = !onlyNames || onlyNames.some((s) => s.toLowerCase() === "cold");
const workloadNames = onlyNames?.filter((s) => s.toLowerCase() !== "cold");
const only = workloadNames ? new Set(workloadNames.map(byName)) : undefined;
const targets: TargetName[] = (args.target as TargetName[] | undefined) ?? (distributedUrls() ? ["embedded", "distributed"] : ["embedded"]);
for (const t of targets) if (t !== "embedded" && t !== "distributed") throw new Error(`--target must be embedded or distributed, not ${t}`);

const log = (msg: string) => console.log(msg);
const startedAt = new Date();
// Read before the workloads: the tree's HEAD may move during a long run, and the figures belong to the code that started.
const host = machine();
const runStart = performance.now();
const reports: WorkloadReport[] = [];
const described: Array<{ name: string; describe: string }> = [];
if (!distributedUrls() && !args.target) log("MEDUSA_NATS_URL / MEDUSA_REDIS_URL not set: the distributed target is not run.");

for (const name of only?.size === 0 ? [] : targets) {
  log(`== ${name}${quick ? " (quick)" : ""}`);
  const target = await startTarget(name, log);
  described.push({ name, describe: target.describe });
  try {
    for (const workload of WORKLOADS) {
      if (only && !only.has(workload.id)) continue;
      log(`-- ${workload.id} ${workload.title}`);
      if (!CURVES.includes(workload) && performance.now() - runStart > RUN_BUDGET_MS) {
        const headline = `not run: the run's ${RUN_BUDGET_MS / 60_000}-minute budget was spent`;
        reports.push({ id: workload.id, title: workload.title, target: name, status: "not_run", headline, metrics: {}, durationMs: 0 });
        log(`   ${headline}`);
        continue;
      }
      // The previous workload's runner loads must not land on this one.
      const settle = await quiesce();
      if (!settle.quiet) log(`   (runners still busy after ${settle.waitedMs} ms; starting anyway)`);
      const watch = watchMachine();
      const t0 = performance.now();
      let measured: Awaited<ReturnType<Workload["run"]>>;
      try {
        measured = await workload.run({ target, quick, log });
      } catch (err) {
        measured = { status: "failed", headline: `failed: ${errorMessage(err)}`, metrics: {} };
      }
      const report: WorkloadReport = { id: workload.id, title: workload.title, target: name, ...measured, machine: watch.stop(), durationMs: Math.round(performance.now() - t0) };
      log(`   ${report.status}: ${report.headline}`);
      reports.push(report);
    }
  } finally {
    await target.close();
  }
}

let cold: { text: string; file: string } | undefined;
if (runCold) {
  log("== cold start");
  try {
    const report = await coldStart({ quick, log });
    cold = { text: coldStartTable(report), file: await writeColdStart(report, `bun bench/run.ts${quick ? " --quick" : ""} (cold start)`) };
  } catch (err) {
    cold = { text: `cold start failed: ${errorMessage(err)}`, file: "(none)" };
  }
}

const run = BenchRun.parse({ startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - runStart), quick, machine: host, targets: described, workloads: reports });
const dir = join(import.meta.dir, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
await Bun.write(file, JSON.stringify(run, null, 2) + "\n");
const svgs = await writeCurves(run, file.replace(/\.json$/, "-curves")).catch((err) => [`curves not drawn: ${errorMessage(err)}`]);

log("");
log(`Medusa bench, ${run.startedAt}, commit ${run.machine.commit}, ${run.machine.cpus} × ${run.machine.cpuModel}, Bun ${run.machine.bun}`);
for (const t of described) log(`${t.name}: ${t.describe}`);
log("");
log(table(reports));
log("");
if (cold) log(`${cold.text}\n\nwrote ${cold.file}\n`);
for (const svg of svgs) log(svg.startsWith("curves not drawn") ? svg : `drew ${svg}`);
log(`wrote ${file} (${Math.round(run.durationMs / 1000)} s)`);
process.exit(reports.some((r) => r.status === "failed") ? 1 : 0);
