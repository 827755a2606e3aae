/**
 * One runner process on its own: the round trip a chunk costs between the
 * node and its runner (JSON line in, Pyodide call, JSON line out), with the
 * CPU it takes on each side. W1 pays this once per item (chunkSize 1).
 *
 *   bun bench/profile/runner-roundtrip.ts [requests=2000]
 */
import { pyodideDir } from "@medusa/node/pyodide-assets";
import { runnerCommand } from "@medusa/node/runner-command";
import { RUNNER_PROTOCOL_VERSION } from "@medusa/node/runner/protocol";
import { RunnerProcess } from "@medusa/node/runner/runner-process";
import { loadavg } from "node:os";
import { latencySummary } from "../lib/stats.ts";
import { cpuSnapshot, cpuSpent } from "./cpu.ts";

const n = Number(process.argv[2] ?? 2000);
const limits = { timeoutMs: 60_000, timeoutMessage: "timed out", memoryCapMb: 1024 };

const t0 = performance.now();
const runner = RunnerProcess.spawn(runnerCommand("python", await pyodideDir()), "python");
await runner.ready;
const loadMs = performance.now() - t0;
const loadCpu = cpuSnapshot([runner.pid]).live.get(runner.pid);
const init = await runner.request({ v: RUNNER_PROTOCOL_VERSION, type: "init", runtime: "python", program: { runtime: "python", source: "def map(x):\n    return x + 1\n" } }, limits);
if (init.type !== "loaded") throw new Error(`init: ${JSON.stringify(init)}`);

for (const items of [1, 100]) {
  const before = cpuSnapshot([runner.pid]);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    const reply = await runner.request({ v: RUNNER_PROTOCOL_VERSION, type: "run", id: runner.newId(), task: "map", items: Array.from({ length: items }, (_, k) => i + k) }, limits);
    times.push(performance.now() - a);
    if (reply.type !== "result" || !reply.ok) throw new Error(`run: ${JSON.stringify(reply)}`);
  }
  const cpu = cpuSpent(before, cpuSnapshot([runner.pid]));
  const s = latencySummary(times);
  const per = (x: number) => Math.round(((x * 1000) / n) * 100) / 100;
  console.log(`${items} item(s) per request, ${n} requests: p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms; CPU per request: node ${per(cpu.mainS)} ms, runner ${per(cpu.runnersS)} ms (load ${loadavg()[0]!.toFixed(2)})`);
}
console.log(`runner start: ${Math.round(loadMs)} ms wall (Pyodide load, CPU so far ${loadCpu} s)`);
runner.kill("done");
await runner.exited;
process.exit(0);
