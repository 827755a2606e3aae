import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testPool, testRunnerCommand } from "../../test/runner-pool.ts";
import { defaultPyodideIndexURL } from "./python-runtime.ts";
import { ensurePythonSnapshot, parseSnapshot, pyodideBuildId } from "./python-snapshot.ts";

/**
 * The node's Pyodide memory snapshot, made and restored through Pyodide's
 * private snapshot API by real runner processes. Timings belong to
 * bench/cold-start.ts; here only what the snapshot does.
 */
const SLOW = 240_000;
const indexURL = defaultPyodideIndexURL();
const dir = mkdtempSync(join(tmpdir(), "medusa-snapshot-"));
let path: string;

const makeSnapshot = (into: string, log: (msg: string) => void = () => {}) =>
  ensurePythonSnapshot({ dir: into, pyodideDir: indexURL, runnerCommand: testRunnerCommand("python"), log });

beforeAll(async () => {
  const made = await makeSnapshot(dir);
  if (!made) throw new Error("no snapshot was made");
  path = made;
}, SLOW);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the node's Pyodide snapshot", () => {
  test("is made once into the cache directory, stamped with this Pyodide's build id, then reused as it is", async () => {
    const { header, body } = parseSnapshot(new Uint8Array(await Bun.file(path).arrayBuffer())) as Exclude<ReturnType<typeof parseSnapshot>, { refused: string }>;
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
      const job = { jobId: "restored", program: { runtime: "python" as const, source: "import json\ndef map(x):\n    return json.dumps({'x': x * 2})\n" }, timeoutMs: 60_000 };
      expect(await pool.run(job, { task: "map", items: [1, 2] })).toEqual({ ok: true, results: ['{"x": 2}', '{"x": 4}'] });
      if (process.platform === "linux") expect(pool.sandbox.level).toBe("os-sandbox");
    } finally {
      await pool.close();
    }
  }, SLOW);
});
