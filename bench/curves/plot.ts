/**
 * Draws the growth curves of a bench run (the `curve` of its W1-scale,
 * W2-load and W3-nodes reports) as SVG files, one per chart, with Vega-Lite
 * specs rendered headless by Vega's SVG renderer (no browser, no canvas).
 *
 *   bun bench/curves/plot.ts bench/results/<run>.json [more.json …] [--out dir]
 *
 * With several runs, a later run's report of a workload on a target takes the
 * place of an earlier one's (a curve re-run alone, say), and the subtitles
 * name every run drawn. Without --out the files go beside the first JSON, in
 * <run>-curves/. The copies
 * linked from bench/README.md live in bench/curves/ and are redrawn from a
 * run kept in bench/reference/ with --out bench/curves.
 */
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { BenchRun, type WorkloadId, type WorkloadReport } from "../lib/report.ts";

export interface Chart {
  file: string;
  spec: TopLevelSpec;
}

type Row = { target: string; x: number; status: string } & Record<string, number | string>;

function rows(run: BenchRun, id: WorkloadId): Row[] {
  return run.workloads.filter((w) => w.id === id && w.curve).flatMap((w) => w.curve!.points.map((p) => ({ target: w.target, x: p.x, status: p.status, ...p.values })));
}

/** One run made of several: the first run's machine, each workload and target from the last run that has it. */
export function mergeRuns(runs: BenchRun[]): BenchRun {
  if (runs.length === 0) throw new Error("mergeRuns needs at least one run");
  const byKey = new Map<string, WorkloadReport>();
  for (const run of runs) for (const w of run.workloads) byKey.set(`${w.id} ${w.target}`, w);
  const commits = [...new Set(runs.map((r) => r.machine.commit))].join("+");
  return { ...runs[0]!, startedAt: runs.map((r) => r.startedAt).join(" + "), machine: { ...runs[0]!.machine, commit: commits }, workloads: [...byKey.values()] };
}

/** The load each target's run of the workload saw, for the chart's subtitle: these figures move with it. */
function loads(run: BenchRun, id: WorkloadId): string {
  const seen = run.workloads.filter((w): w is WorkloadReport & { machine: NonNullable<WorkloadReport["machine"]> } => w.id === id && w.curve !== undefined && w.machine !== undefined);
  const each = seen.map((w) => `${w.target} load ${w.machine.loadBefore[0]}→${w.machine.loadAfter[0]}`);
  const when = run.startedAt.split(" + ").map((t) => t.slice(0, 16).replace("T", " ")).join(" + ");
  return [`commit ${run.machine.commit}, ${when} UTC, ${run.machine.cpus} cores`, ...each].join("; ");
}

const base = (title: string, subtitle: string) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: { text: title, subtitle, subtitleFontSize: 10 },
  width: 480,
  height: 280,
  background: "white",
  config: { legend: { labelLimit: 320 } },
});

/** Points a time budget cut short are drawn hollow and named in the legend. */
const statusShape = { field: "status", type: "nominal", title: "point", scale: { domain: ["ok", "bounded"], range: ["circle", "triangle-up"] } } as const;

export function curveCharts(run: BenchRun): Chart[] {
  const charts: Chart[] = [];
  const w1 = rows(run, "W1-scale");
  if (w1.length > 0) {
    const x = { field: "x", type: "quantitative", title: "chunks in the job", scale: { type: "log" } } as const;
    charts.push({
      file: "w1-scale-rate.svg",
      spec: {
        ...base("W1: items/s as the job grows (flat is right)", loads(run, "W1-scale")),
        data: { values: w1 },
        mark: { type: "line", point: { filled: true, size: 60 } },
        encoding: { x, y: { field: "itemsPerSec", type: "quantitative", title: "items/s", scale: { zero: true } }, color: { field: "target", type: "nominal" }, shape: statusShape },
      },
    });
    charts.push({
      file: "w1-scale-memory.svg",
      spec: {
        ...base("W1: peak resident memory as the job grows (flat is right)", loads(run, "W1-scale")),
        data: { values: w1 },
        transform: [
          { fold: ["stackPeakMb", "runnersPeakMb"], as: ["process", "mb"] },
          { calculate: "datum.target + (datum.process === 'stackPeakMb' ? ': stack process' : ': runners, all')", as: "series" },
        ],
        mark: { type: "line", point: { filled: true, size: 60 } },
        encoding: { x, y: { field: "mb", type: "quantitative", title: "peak RSS, MB", scale: { zero: true } }, color: { field: "series", type: "nominal", title: "process" }, shape: statusShape },
      },
    });
  }
  const w2 = rows(run, "W2-load");
  if (w2.length > 0) {
    charts.push({
      file: "w2-load.svg",
      spec: {
        ...base("W2: one-item job latency with other jobs running", loads(run, "W2-load")),
        data: { values: w2 },
        transform: [
          { fold: ["p50Ms", "p99Ms"], as: ["key", "ms"] },
          { calculate: "datum.key === 'p50Ms' ? 'p50' : 'p99'", as: "percentile" },
        ],
        mark: { type: "line", point: { filled: true, size: 60 } },
        encoding: {
          x: { field: "x", type: "quantitative", title: "other jobs running", scale: { type: "symlog" }, axis: { values: [0, 10, 100] } },
          y: { field: "ms", type: "quantitative", title: "submit → result read, ms", scale: { type: "log" } },
          color: { field: "target", type: "nominal" },
          strokeDash: { field: "percentile", type: "nominal" },
          shape: statusShape,
        },
      },
    });
  }
  const w3 = rows(run, "W3-nodes").filter((r) => typeof r.speedup === "number");
  if (w3.length > 0) {
    const nodes = [...new Set(w3.map((r) => r.x))].sort((a, b) => a - b);
    const cores = run.machine.cpus;
    const bound = nodes.map((n) => ({ x: n, speedup: Math.min(n, cores), target: `limit: min(nodes, ${cores} cores)` }));
    charts.push({
      file: "w3-nodes.svg",
      spec: {
        ...base("W3: speedup over one plain Pyodide process, by local nodes", loads(run, "W3-nodes")),
        encoding: { x: { field: "x", type: "quantitative", title: "local nodes (1 slot each)", axis: { values: nodes, format: "d" } }, y: { field: "speedup", type: "quantitative", title: "speedup", scale: { zero: true } }, color: { field: "target", type: "nominal" } },
        layer: [
          { data: { values: bound }, mark: { type: "line", strokeDash: [4, 4], color: "gray" } },
          { data: { values: w3 }, mark: { type: "line", point: { filled: true, size: 60 } }, encoding: { shape: statusShape } },
        ],
      },
    });
  }
  return charts;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes every chart the run has data for into `outDir`; returns the paths written. */
export async function writeCurves(run: BenchRun, outDir: string): Promise<string[]> {
  const charts = curveCharts(run);
  if (charts.length > 0) mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const chart of charts) {
    const path = join(outDir, chart.file);
    await Bun.write(path, await renderSvg(chart.spec));
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string" } } });
  const file = positionals[0];
  if (!file) throw new Error("usage: bun bench/curves/plot.ts <bench/results/run.json> [more.json …] [--out dir]");
  const run = mergeRuns(await Promise.all(positionals.map(async (f) => BenchRun.parse(await Bun.file(f).json()))));
  const out = values.out ?? join(dirname(file), `${basename(file, ".json")}-curves`);
  const written = await writeCurves(run, out);
  console.log(written.length > 0 ? written.map((p) => `wrote ${p}`).join("\n") : `${file} holds no curves (W1-scale, W2-load, W3-nodes)`);
}
