/**
 * The Python client's overhead beside the TypeScript client's, on the same
 * embedded stack and workloads:
 *
 *   bun bench/client-python.ts [--items 10000] [--chunk 500] [--rounds 200]
 *
 * - map: `Executor.map(double, range(items))` from Python (bench/client-python.py,
 *   the machine's python3) against the TS client submitting the same job,
 *   waiting on `results?wait=` and reading the results; per item. Each side
 *   runs a small job of its program first, so the timed one finds warm runners.
 *   `overheadMsPerItem` leaves out the job's own time (created → finished):
 *   what is left is the client's (submitting, waiting, reading results).
 * - rounds: a 4-partition session with a trivial step; each round's latency
 *   as the client sees it (Python: `s.round` over one kept-alive HTTP
 *   connection; TS: the session WebSocket) and as the gateway timed it (`ms`).
 *
 * Prints a table and writes bench/results/client-python-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MedusaClient } from "@medusa/client";
import { stackEnv, startStack } from "@medusa/stack";
import { loadNow, machine } from "./lib/machine.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a whole number above 0`);
  return value;
};
const items = arg("items", 10_000);
const chunk = arg("chunk", 500);
const rounds = arg("rounds", 200);
const root = resolve(import.meta.dir, "..");
const STEP = "def setup(items):\n    return items\n\ndef step(state, params):\n    return len(state) * params['k']\n";

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

const dir = mkdtempSync(join(tmpdir(), "medusa-bench-clients-"));
const stack = await startStack(stackEnv({ ...process.env, MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0" }), () => {});
try {
  const anon = new MedusaClient(stack.url);
  const ts = anon.withKey((await anon.signUp("bench-ts@example.com", "bench-password")).apiKey);
  const pyKey = (await anon.signUp("bench-py@example.com", "bench-password")).apiKey;
  const load = [loadNow()];

  // TypeScript: the same job, results read once it ends; a first job loads the program into runners, as the Python side's does.
  const program = { runtime: "python" as const, source: "def map(x):\n    return 2 * x\n" };
  const warm = await ts.submit({ program, input: { range: { start: 0, stop: chunk } }, chunkSize: chunk });
  await ts.request("GET", `/v1/jobs/${warm.id}/results?wait=300`);
  const started = performance.now();
  const job = await ts.submit({ program, input: { range: { start: 0, stop: items } }, chunkSize: chunk });
  const text = await (await ts.request("GET", `/v1/jobs/${job.id}/results?wait=300`)).text();
  const tsMapS = (performance.now() - started) / 1000;
  if (text.trim().split("\n").length !== items) throw new Error("the TS job did not return every result");

  const session = await ts.createSession({ program: { runtime: "python", source: STEP }, input: { range: { start: 0, stop: 40 } }, partitions: 4, timeoutMs: 300_000 });
  const socket = ts.openSession(session.id);
  await socket.ready(300_000);
  const tsRound: number[] = [];
  const tsServer: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const { ms } = await socket.round({ k: r });
    tsRound.push(performance.now() - t);
    tsServer.push(ms);
  }
  socket.close();
  await ts.endSession(session.id);
  load.push(loadNow());

  const py = Bun.spawn(["python3", "bench/client-python.py", String(items), String(chunk), String(rounds)], {
    cwd: root,
    env: { ...process.env, PYTHONPATH: join(root, "clients/python"), MEDUSA_URL: stack.url, MEDUSA_API_KEY: pyKey },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(py.stdout).text(), new Response(py.stderr).text(), py.exited]);
  if (code !== 0) throw new Error(`python3 bench/client-python.py exited ${code}: ${err}`);
  const pyRun = JSON.parse(out) as { jobId: string; mapSeconds: number; roundMs: number[]; serverMs: number[] };
  load.push(loadNow());

  // The job's own time (created → finished, as the scheduler stamped it); the rest of the wall time is the client's.
  const jobSeconds = async (id: string) => {
    const s = await ts.request("GET", `/v1/jobs/${id}`).then((r) => r.json() as Promise<{ createdAt: string; finishedAt: string }>);
    return (Date.parse(s.finishedAt) - Date.parse(s.createdAt)) / 1000;
  };
  const pyJob = await anon.withKey(pyKey).job(pyRun.jobId);
  const pyJobS = (Date.parse(pyJob.finishedAt!) - Date.parse(pyJob.createdAt)) / 1000;
  const row = (client: string, wallS: number, jobS: number, round: number[], server: number[]) => ({
    client,
    mapMsPerItem: round2((wallS * 1000) / items),
    overheadMsPerItem: round2(((wallS - jobS) * 1000) / items),
    roundP50Ms: round2(p50(round)),
    gatewayP50Ms: round2(p50(server)),
  });
  const rows = [row("TypeScript", tsMapS, await jobSeconds(job.id), tsRound, tsServer), row("Python", pyRun.mapSeconds, pyJobS, pyRun.roundMs, pyRun.serverMs)];
  console.log(`map of ${items} items in chunks of ${chunk}; ${rounds} session rounds on 4 partitions; load ${load.map((l) => l[0]).join(" → ")}`);
  console.table(rows);
  mkdirSync(join(root, "bench/results"), { recursive: true });
  await Bun.write(join(root, `bench/results/client-python-${Date.now()}.json`), JSON.stringify({ machine: machine(), items, chunk, rounds, load, rows }, null, 2));
} finally {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
}
