import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { getPriority } from "node:os";
import type { RunnableProgram } from "@medusa/core/program";
import type { RunnerPool } from "./runner-pool.ts";
import { isRunning, testPool } from "../../test/runner-pool.ts";
import { until } from "@medusa/testing/until";

// Every new job loads Pyodide in a fresh process (~4 s), so these tests are slow by nature.
const SLOW = 60_000;

const python = (source: string): RunnableProgram => ({ runtime: "python", source });
let jobs = 0;
const job = (source: string, timeoutMs = 20_000) => ({ jobId: `job-${++jobs}`, program: python(source), timeoutMs });

const BASICS = job(`
def map(x):
    if isinstance(x, dict) and "div" in x:
        return 10 // x["div"]
    if isinstance(x, dict):
        return {"sum": x["a"] + x["b"], "seen": [None, True, 1.5]}
    if x == "set":
        return {1, 2}
    if x == "nan":
        return float("nan")
    if x == "print":
        import sys, os
        print("noise from print")
        sys.stdout.write("noise from sys.stdout\\n")
        os.write(1, b"noise from fd 1\\n")
        return "printed"
    return x * 2

def reduce(results):
    return sum(results)
`);

describe("python runners", () => {
  let pool: RunnerPool;
  let warmPid: number;

  beforeAll(async () => {
    pool = testPool({ slots: 2, warmPython: 1, memoryCapMb: 700 });
    await pool.start();
    warmPid = pool.runnerInfo()[0]!.pid;
  }, SLOW);
  afterAll(() => pool.close());

  test("a job's first chunk runs on the runner started before the job existed", async () => {
    const before = pool.runnerInfo();
    expect(before).toEqual([{ pid: warmPid, runtime: "python", jobId: undefined, busy: false, python: expect.objectContaining({ snapshot: false }) }]);
    expect(await pool.run(BASICS, { task: "map", items: [1, 2, 3] })).toEqual({ ok: true, results: [2, 4, 6] });
    const after = pool.runnerInfo();
    expect(after.find((r) => r.pid === warmPid)?.jobId).toBe(BASICS.jobId);
    // …and a new spare took its place.
    expect(after.filter((r) => r.jobId === undefined)).toHaveLength(1);
  }, SLOW);

  test("map converts items and results as JSON values", async () => {
    const out = await pool.run(BASICS, { task: "map", items: [{ a: 1, b: 2 }, "ab"] });
    expect(out).toEqual({ ok: true, results: [{ sum: 3, seen: [null, true, 1.5] }, "abab"] });
  }, SLOW);

  test("reduce gets all results and returns one value", async () => {
    expect(await pool.run(BASICS, { task: "reduce", items: [1, 2, 3, 4] })).toEqual({ ok: true, results: 10 });
  }, SLOW);

  test("an exception names its type, line and the failing item", async () => {
    const out = await pool.run(BASICS, { task: "map", items: [{ div: 5 }, { div: 0 }, { div: 1 }] });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.itemIndex).toBe(1);
    expect(out.error.message).toMatch(/^ZeroDivisionError: .*division.* by zero \(line 4\)$/);
  }, SLOW);

  test("a result that is not JSON fails naming the item", async () => {
    const set = await pool.run(BASICS, { task: "map", items: [1, "set"] });
    expect(set).toMatchObject({ ok: false, error: { itemIndex: 1 } });
    expect(!set.ok && set.error.message).toContain("result of item 1 is not JSON-serialisable");
    const nan = await pool.run(BASICS, { task: "map", items: ["nan"] });
    expect(nan).toMatchObject({ ok: false, error: { itemIndex: 0 } });
  }, SLOW);

  test("print() and writes to fd 1 do not reach the protocol channel", async () => {
    expect(await pool.run(BASICS, { task: "map", items: ["print", 4] })).toEqual({ ok: true, results: ["printed", 8] });
    // What the program printed is shown with its errors instead.
    const out = await pool.run(BASICS, { task: "map", items: ["print", { div: 0 }] });
    expect(!out.ok && out.error.message).toContain("noise from print");
  }, SLOW);

  test("a program without map fails its map chunks; reduce without reduce too", async () => {
    const noMap = job("x = 1");
    expect(await pool.run(noMap, { task: "map", items: [1] })).toEqual({ ok: false, error: { message: "program does not define map(item)" } });
    expect(await pool.run(noMap, { task: "reduce", items: [1] })).toEqual({ ok: false, error: { message: "program does not define reduce(results)" } });
  }, SLOW);

  test("a program that does not load fails every chunk with its error, without retrying", async () => {
    const broken = job("def map(x)\n    return x");
    const first = await pool.run(broken, { task: "map", items: [1] });
    expect(!first.ok && first.error.message).toStartWith("SyntaxError:");
    expect(await pool.run(broken, { task: "map", items: [2] })).toEqual(first);
    expect(pool.runnerInfo().some((r) => r.jobId === broken.jobId)).toBe(false);
  }, SLOW);

  test("a program that does not compile is a deterministic error naming its line; one that raises while loading is not", async () => {
    const syntax = await pool.run(job("def map(x):\n    return (x\n"), { task: "map", items: [1] });
    expect(syntax).toEqual({ ok: false, error: { message: expect.stringMatching(/^SyntaxError: .*\(line 2\)$/), deterministic: true } });
    const raises = await pool.run(job("import nosuchmodule\ndef map(x):\n    return x\n"), { task: "map", items: [1] });
    expect(raises).toEqual({ ok: false, error: { message: expect.stringContaining("ModuleNotFoundError") } });
  }, SLOW);

  test("jobs get separate runners: state one sets is invisible to another", async () => {
    const source = "import builtins\nstate = []\ndef map(x):\n    state.append(x)\n    builtins.leaked = True\n    return len(state)";
    const a = job(source);
    const b = job(source + "\nimport builtins\nif hasattr(builtins, 'leaked'): raise RuntimeError('leak')");
    expect(await pool.run(a, { task: "map", items: ["x", "y"] })).toEqual({ ok: true, results: [1, 2] });
    expect(await pool.run(a, { task: "map", items: ["z"] })).toEqual({ ok: true, results: [3] });
    const pidsOf = (jobId: string) => pool.runnerInfo().filter((r) => r.jobId === jobId).map((r) => r.pid);
    // Read a's runner now: making room for b may close it, idle, before b runs.
    const aPids = pidsOf(a.jobId);
    expect(aPids).toHaveLength(1);
    expect(await pool.run(b, { task: "map", items: ["x"] })).toEqual({ ok: true, results: [1] });
    expect(pidsOf(b.jobId)).toHaveLength(1);
    expect(pidsOf(b.jobId)[0]).not.toBe(aPids[0]);
  }, SLOW);

  test("a job with the same affinity (owner and program) takes over an idle runner; another affinity never does", async () => {
    const source = "calls = []\ndef map(x):\n    calls.append(x)\n    return len(calls)";
    const first = { ...job(source), affinity: "owner-a:program-1" };
    const again = { ...job(source), affinity: "owner-a:program-1" };
    const stranger = { ...job(source), affinity: "owner-b:program-1" };
    expect(await pool.run(first, { task: "map", items: ["x"] })).toEqual({ ok: true, results: [1] });
    const pid = pool.runnerInfo().find((r) => r.jobId === first.jobId)!.pid;
    // The same consumer's next job runs on the loaded runner at once, and sees its own leftovers.
    expect(await pool.run(again, { task: "map", items: ["y"] })).toEqual({ ok: true, results: [2] });
    expect(pool.runnerInfo().find((r) => r.jobId === again.jobId)!.pid).toBe(pid);
    expect(await pool.run(stranger, { task: "map", items: ["z"] })).toEqual({ ok: true, results: [1] });
    expect(pool.runnerInfo().find((r) => r.jobId === stranger.jobId)!.pid).not.toBe(pid);
  }, SLOW);

  test("spares load at idle priority; a job's runner is raised to normal where the node may (root here)", async () => {
    const busy = job("def map(x):\n    return x");
    expect(await pool.run(busy, { task: "map", items: [1] })).toEqual({ ok: true, results: [1] });
    const working = pool.runnerInfo().find((r) => r.jobId === busy.jobId)!.pid;
    expect(getPriority(working)).toBe(process.getuid?.() === 0 ? 0 : 19);
    const spares = pool.runnerInfo().filter((r) => r.jobId === undefined).map((r) => r.pid);
    expect(spares.length).toBeGreaterThan(0);
    for (const pid of spares) expect(getPriority(pid)).toBe(19);
  }, SLOW);

  test("the runner's environment is empty, as the program sees it and in /proc", async () => {
    const envJob = job("import js\ndef map(x):\n    return len(js.Object.keys(js.process.env))");
    expect(await pool.run(envJob, { task: "map", items: [0] })).toEqual({ ok: true, results: [0] });
    const pid = pool.runnerInfo().find((r) => r.jobId === envJob.jobId)!.pid;
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).toBe("");
    expect(process.env.PATH).toBeDefined(); // the parent's is not, so the check means something
  }, SLOW);

  test("a chunk over its time is killed, and the job's next chunk runs on a new runner", async () => {
    const loop = job('def map(x):\n    while x == "loop":\n        pass\n    return x', 1500);
    expect(await pool.run(loop, { task: "map", items: [1] })).toEqual({ ok: true, results: [1] });
    const first = pool.runnerInfo().find((r) => r.jobId === loop.jobId)!.pid;
    expect(await pool.run(loop, { task: "map", items: [2, "loop"] })).toEqual({ ok: false, error: { message: "timed out after 1500ms" } });
    expect(isRunning(first)).toBe(false);
    expect(await pool.run(loop, { task: "map", items: [3] })).toEqual({ ok: true, results: [3] });
    expect(pool.runnerInfo().find((r) => r.jobId === loop.jobId)!.pid).not.toBe(first);
  }, SLOW);

  test("a chunk that allocates without bound hits the memory cap", async () => {
    const bomb = job('def map(x):\n    hoard = []\n    while True:\n        hoard.append(b"x" * 10_000_000)');
    expect(await pool.run(bomb, { task: "map", items: [1] })).toEqual({ ok: false, error: { message: "memory cap of 700 MB exceeded" } });
  }, SLOW);

  test("dropJob kills the job's runner and its running chunk resolves as cancelled", async () => {
    const slow = job("def map(x):\n    while True:\n        pass");
    const running = pool.run(slow, { task: "map", items: [1] });
    await until(() => pool.runnerInfo().some((r) => r.jobId === slow.jobId && r.busy), 20_000);
    const pid = pool.runnerInfo().find((r) => r.jobId === slow.jobId)!.pid;
    pool.dropJob(slow.jobId);
    expect(await running).toEqual({ ok: false, error: { message: "cancelled" } });
    await until(() => !isRunning(pid), 5000);
  }, SLOW);
});
