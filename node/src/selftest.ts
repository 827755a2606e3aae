import { RunnerPool } from "./runner/runner-pool.ts";
import { pyodideDir } from "./pyodide-assets.ts";
import { runnerCommand } from "./runner-command.ts";

/**
 * `medusa-node selftest`: proves this machine can run chunks (Pyodide
 * unpacked, a sandboxed runner started, a program run) without a gateway.
 */
export async function selftest(print: (line: string) => void = (l) => console.log(l)): Promise<boolean> {
  const dir = await pyodideDir();
  print(`selftest: Pyodide files in ${dir}`);
  const pool = new RunnerPool({ slots: 1, warmPython: 0, runnerCommand: (rt) => runnerCommand(rt, dir), log: (m) => print(`selftest: ${m}`) });
  try {
    await pool.start();
    const started = performance.now();
    const outcome = await pool.run(
      { jobId: "selftest", program: { runtime: "python", source: "def map(x):\n    return x * 2\n" }, timeoutMs: 120_000 },
      { task: "map", items: [1, 2, 3] },
    );
    const ms = Math.round(performance.now() - started);
    if (!outcome.ok) {
      print(`selftest: FAILED: ${outcome.error.message}`);
      return false;
    }
    const ok = JSON.stringify(outcome.results) === "[2,4,6]";
    print(`selftest: map(x * 2) over [1, 2, 3] = ${JSON.stringify(outcome.results)} in ${ms} ms: ${ok ? "ok" : "WRONG"}`);
    return ok;
  } finally {
    await pool.close();
  }
}
