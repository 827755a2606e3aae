import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostile, libcCalls } from "../../test/redteam/hostile.ts";
import { testPool, testRunnerCommand } from "../../test/runner-pool.ts";
import { defaultPyodideIndexURL } from "./python-runtime.ts";
import { ensurePythonSnapshot, parseSnapshot, pyodideBuildId, refusal, snapshotPath, stampedBuildId, writeSnapshot } from "./python-snapshot.ts";

/**
 * The node's Pyodide memory snapshot, made and restored through Pyodide's
 * private snapshot API by real runner processes. Timings belong to
 * bench/cold-start.ts; here only what the snapshot does.
 */
const SLOW = 240_000;
const indexURL = defaultPyodideIndexURL();
const dir = join(tmpdir(), `medusa-snapshot-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
let path: string;

const makeSnapshot = (into: string, log: (msg: string) => void = () => {}) =>
  ensurePythonSnapshot({ dir: into, pyodideDir: indexURL, runnerCommand: testRunnerCommand("python"), log });

const read = async (file: string) => new Uint8Array(await Bun.file(file).arrayBuffer());
const parsed = async (file: string) => parseSnapshot(await read(file)) as Exclude<ReturnType<typeof parseSnapshot>, { refused: string }>;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  const made = await makeSnapshot(dir);
  if (!made) throw new Error("no snapshot was made");
  path = made;
}, SLOW);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the node's Pyodide snapshot", () => {
  test("is made once into the cache directory, stamped with this Pyodide's build id, then reused as it is", async () => {
    const { header, body } = await parsed(path);
    expect(header).toMatchObject({ format: 1, pyodideVersion: "314.0.7", buildId: await pyodideBuildId(indexURL), bytes: body.length });
    expect(header.buildId).toMatch(/^[0-9a-f]{64}$/);
    const before = statSync(path).mtimeMs;
    const log: string[] = [];
    expect(await makeSnapshot(dir, (m) => log.push(m))).toBe(path);
    expect(log).toEqual([]);
    expect(statSync(path).mtimeMs).toBe(before);
  }, SLOW);

  test("a runner restores Python from it, confines itself and runs a job as a booted one does", async () => {
    const pool = testPool({ slots: 1, warmPython: 1, snapshot: path });
    try {
      await pool.start();
      const [spare] = pool.runnerInfo().filter((r) => r.runtime === "python");
      expect(spare?.python).toMatchObject({ snapshot: true });
      expect(spare?.python?.note).toBeUndefined();
      // Its module was compiled first thing (wasm-early.ts), not by Pyodide after its scripts loaded.
      expect(spare?.python?.compiledEarly).toEqual({ readyAtMs: expect.any(Number), waitedMs: expect.any(Number) });
      const job = { jobId: "restored", program: { runtime: "python" as const, source: "import json\ndef map(x):\n    return json.dumps({'x': x * 2})\n" }, timeoutMs: 60_000 };
      expect(await pool.run(job, { task: "map", items: [1, 2] })).toEqual({ ok: true, results: ['{"x": 2}', '{"x": 4}'] });
      if (process.platform === "linux") expect(pool.sandbox.level).toBe("os-sandbox");
    } finally {
      await pool.close();
    }
  }, SLOW);
});

describe("a snapshot this node may not use", () => {
  test("one whose header names another Pyodide build, whose checksum fails or whose own stamp differs is refused and made again", async () => {
    const other = join(dir, "other");
    const target = snapshotPath(other);
    mkdirSync(other, { recursive: true });
    const build = await pyodideBuildId(indexURL);
    const { body } = await parsed(path);
    const stamped = body.slice();
    stamped[16]! ^= 0xff;
    const corrupt = async () => {
      const bytes = await read(path);
      bytes[bytes.length - 1]! ^= 1;
      await Bun.write(target, bytes);
    };
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => writeSnapshot(target, body, "0".repeat(64)), `made by Pyodide build ${"0".repeat(64)}, this node has ${build}`],
      [corrupt, "its checksum does not match its contents"],
      [() => writeSnapshot(target, stamped, build), "Pyodide's own stamp says build"],
    ];
    for (const [spoil, why] of cases) {
      await spoil();
      const log: string[] = [];
      expect(await makeSnapshot(other, (m) => log.push(m))).toBe(target);
      expect(log[0]).toContain(`Python snapshot ${target} refused (${why}`);
      expect(log[1]).toMatch(/^Python snapshot made in \d+ ms/);
      expect(await refusal(await read(target), indexURL)).toBeUndefined();
      expect((await parsed(target)).header.buildId).toBe(build);
    }
  }, SLOW);

  test("a runner handed a snapshot Pyodide refuses boots Python instead, says why, and still runs the job", async () => {
    const { body } = await parsed(path);
    const stamped = body.slice();
    stamped[16]! ^= 0xff;
    const bad = join(dir, "stamped.snapshot");
    await writeSnapshot(bad, stamped, await pyodideBuildId(indexURL));
    expect(stampedBuildId(stamped)).not.toBe(await pyodideBuildId(indexURL));
    const pool = testPool({ slots: 1, warmPython: 1, snapshot: bad });
    try {
      await pool.start();
      const job = { jobId: "booted", program: { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" }, timeoutMs: 60_000 };
      expect(await pool.run(job, { task: "map", items: [1] })).toEqual({ ok: true, results: [2] });
      const [runner] = pool.runnerInfo().filter((r) => r.jobId === "booted");
      expect(runner?.python).toMatchObject({ snapshot: false, note: expect.stringContaining("snapshot refused: Snapshot build id mismatch") });
      // The module compiled early serves the boot after the refused restore as well.
      expect(runner?.python?.compiledEarly).toBeDefined();
    } finally {
      await pool.close();
    }
  }, SLOW);
});

describe("runners restored from one snapshot", () => {
  test("draw different random numbers: random is seeded afresh in each", async () => {
    const pool = testPool({ slots: 2, warmPython: 2, snapshot: path });
    try {
      await pool.start();
      const program = { runtime: "python" as const, source: "import random\ndef map(x):\n    return [random.random(), random.getrandbits(64)]\n" };
      const [a, b] = await Promise.all(["a", "b"].map((jobId) => pool.run({ jobId, program, timeoutMs: 60_000 }, { task: "map", items: [0] })));
      const runners = pool.runnerInfo().filter((r) => r.jobId === "a" || r.jobId === "b");
      expect(runners.map((r) => r.python?.snapshot)).toEqual([true, true]);
      expect(runners[0]!.pid).not.toBe(runners[1]!.pid);
      expect(a!.ok && b!.ok).toBe(true);
      expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    } finally {
      await pool.close();
    }
  }, SLOW);

  test.skipIf(process.platform !== "linux")("are confined as booted ones are: seccomp on, no file, no socket, no process", async () => {
    const marker = join(dir, "PWNED");
    const pool = testPool({ slots: 1, warmPython: 1, snapshot: path });
    const fs = (expr: string) => `(() => { const fs = process.getBuiltinModule("fs"); return ${expr}; })()`;
    try {
      await pool.start();
      const job = { jobId: "hostile", program: hostile(), timeoutMs: 60_000 };
      const js = {
        read: fs(`fs.readFileSync("/etc/hostname", "utf8")`),
        "read the snapshot": fs(`fs.readFileSync(${JSON.stringify(path)}).length`),
        write: fs(`fs.writeFileSync(${JSON.stringify(marker)}, "escaped")`),
        libc: libcCalls({ open: `libc.open(cstr("/etc/passwd"), 0, 0)`, socket: "libc.socket(2, 1, 0)", fork: "libc.fork()" }),
      };
      const out = await pool.run(job, { task: "map", items: [{ js }] });
      if (!out.ok) throw new Error(out.error.message);
      const [got] = out.results as Record<string, string>[];
      for (const name of ["read", "read the snapshot", "write"]) expect([name, got![name]]).toEqual([name, expect.stringContaining("EPERM")]);
      expect(JSON.parse(got!.libc!.slice(4))).toEqual({ open: "errno 1", socket: "errno 1", fork: "errno 1" });
      expect(existsSync(marker)).toBe(false);
      const [runner] = pool.runnerInfo().filter((r) => r.jobId === "hostile");
      expect(runner?.python?.snapshot).toBe(true);
      const status = readFileSync(`/proc/${runner!.pid}/status`, "utf8");
      expect(status).toMatch(/^Seccomp:\s+2$/m);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    } finally {
      await pool.close();
    }
  }, SLOW);
});
