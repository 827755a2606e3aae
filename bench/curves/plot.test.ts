import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { curvesRun } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-curves-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plot = (...args: string[]) => Bun.spawnSync([process.execPath, join(import.meta.dir, "plot.ts"), ...args], { stdout: "pipe", stderr: "pipe" });

/** The labels Vega gives each drawn point: one per data point, naming its values. */
const pointLabels = (svg: string) => [...svg.matchAll(/aria-label="([^"]*; point: (?:ok|bounded))"/g)].map((m) => m[1]);

test("the curve script reads a bench run's JSON and draws each curve's points into an SVG", async () => {
  const file = join(dir, "run.json");
  await Bun.write(file, JSON.stringify(curvesRun()));
  const out = join(dir, "svg");
  const proc = plot(file, "--out", out);
  expect(proc.stderr.toString()).toBe("");
  expect(proc.exitCode).toBe(0);
  expect(readdirSync(out).sort()).toEqual(["w1-scale-memory.svg", "w1-scale-rate.svg", "w2-load.svg", "w3-nodes.svg"]);

  const rate = readFileSync(join(out, "w1-scale-rate.svg"), "utf8");
  expect(rate.startsWith("<svg")).toBe(true);
  expect(rate).toContain("for a log scale with values from 1,000 to 1,000,000");
  const points = pointLabels(rate);
  expect(points).toHaveLength(8);
  expect(points).toContain("chunks in the job: 1000000; items/s: 2200; target: distributed; point: bounded");
  expect(points).toContain("chunks in the job: 1000; items/s: 3000; target: embedded; point: ok");
  expect(rate).toContain("commit abc1234, 2026-12-03 13:00 UTC, 2 cores; embedded load 1.5→2.5");

  // Two processes per target, four chunk counts each.
  expect(pointLabels(readFileSync(join(out, "w1-scale-memory.svg"), "utf8"))).toHaveLength(16);
  const w2 = pointLabels(readFileSync(join(out, "w2-load.svg"), "utf8"));
  expect(w2).toHaveLength(12);
  expect(w2).toContain("other jobs running: 100; submit → result read, ms: 14; target: embedded; percentile: p50; point: ok");
  expect(w2).toContain("other jobs running: 100; submit → result read, ms: 124; target: distributed; percentile: p99; point: bounded");
  const w3 = readFileSync(join(out, "w3-nodes.svg"), "utf8");
  expect(pointLabels(w3)).toHaveLength(8);
  // The two-core limit is drawn beside the measured points.
  expect(w3).toContain("limit: min(nodes, 2 cores)");
});

test("the curve script refuses a file that is not a bench run, saying which field is wrong", async () => {
  const file = join(dir, "bad.json");
  await Bun.write(file, JSON.stringify({ ...curvesRun(), workloads: [{ id: "W9" }] }));
  const proc = plot(file, "--out", join(dir, "bad"));
  expect(proc.exitCode).not.toBe(0);
  expect(proc.stderr.toString()).toContain("workloads");
});

test("with two runs, the later run's curve of a workload and target replaces the earlier one's", async () => {
  const first = curvesRun();
  const rerun = { ...curvesRun(), startedAt: "2026-12-03T14:00:00.000Z", workloads: curvesRun().workloads.filter((w) => w.id === "W1-scale" && w.target === "embedded") };
  rerun.workloads[0]!.curve!.points[3]!.values.itemsPerSec = 1234;
  await Bun.write(join(dir, "first.json"), JSON.stringify(first));
  await Bun.write(join(dir, "rerun.json"), JSON.stringify(rerun));
  const out = join(dir, "merged");
  expect(plot(join(dir, "first.json"), join(dir, "rerun.json"), "--out", out).exitCode).toBe(0);
  const rate = readFileSync(join(out, "w1-scale-rate.svg"), "utf8");
  const points = pointLabels(rate);
  expect(points).toHaveLength(8);
  expect(points).toContain("chunks in the job: 1000000; items/s: 1234; target: embedded; point: ok");
  expect(points).not.toContain("chunks in the job: 1000000; items/s: 2700; target: embedded; point: ok");
  expect(rate).toContain("2026-12-03 13:00 + 2026-12-03 14:00 UTC");
  // The other workloads still come from the first run.
  expect(pointLabels(readFileSync(join(out, "w2-load.svg"), "utf8"))).toHaveLength(12);
});
