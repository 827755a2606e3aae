import { RunnerPool } from "./runner/runner-pool.ts";
import { pyodideDir } from "./pyodide-assets.ts";
import { runnerCommand } from "./runner-command.ts";

/**
 * `medusa-node selftest`: proves this machine can run chunks (Pyodide
 * unpacked, a sandboxed runner started, a program run) without a gateway,
 * and that the sandbox holds: the program reaches for a host file through
 * JavaScript, which only the OS sandbox stops.
 */
const PROGRAM = `
def map(x):
    if x != "escape":
        return x * 2
    from pyodide.code import run_js
    try:
        run_js("process.getBuiltinModule('fs').readFileSync('/etc/hostname')")
        return "read a host file"
    except Exception as e:
        return "refused" if "EPERM" in str(e) else str(e)
`;

export async function selftest(print: (line: string) => void = (l) => console.log(l)): Promise<boolean> {
  const dir = await pyodideDir();
  print(`selftest: Pyodide files in ${dir}`);
  const pool = new RunnerPool({ slots: 1, warmPython: 0, runnerCommand: (rt) => runnerCommand(rt, dir), log: (m) => print(`selftest: ${m}`) });
  try {
    await pool.start();
    const { level, detail } = pool.sandbox;
    print(`selftest: sandbox ${level}: ${detail}`);
    if (level === "wasi-only") {
      print("selftest: no OS sandbox here, so this node runs WASI modules only (Python needs --allow-unsandboxed-python)");
      return true;
    }
    const started = performance.now();
    const outcome = await pool.run({ jobId: "selftest", program: { runtime: "python", source: PROGRAM }, timeoutMs: 120_000 }, { task: "map", items: [1, 2, 3, "escape"] });
    const ms = Math.round(performance.now() - started);
    if (!outcome.ok) {
      print(`selftest: FAILED: ${outcome.error.message}`);
      return false;
    }
    const expected = JSON.stringify([2, 4, 6, "refused"]);
    const ok = JSON.stringify(outcome.results) === expected;
    print(`selftest: map over [1, 2, 3, "escape"] = ${JSON.stringify(outcome.results)} in ${ms} ms: ${ok ? "ok" : `WRONG, expected ${expected}`}`);
    return ok;
  } finally {
    await pool.close();
  }
}
