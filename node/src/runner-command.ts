import { join } from "node:path";
import { isCompiled } from "./pyodide-assets.ts";

/**
 * The command that starts a runner: this same executable in runner mode. The
 * runner gets an empty environment, so everything it needs is on the command
 * line. From source, Bun runs main.ts; compiled, the executable is the program.
 */
export function runnerCommand(runtime: "python" | "wasi", pyodideDir: string, snapshot?: string): string[] {
  const self = isCompiled() ? [process.execPath] : [process.execPath, join(import.meta.dir, "main.ts")];
  if (runtime === "wasi") return [...self, "runner", runtime];
  return [...self, "runner", runtime, "--pyodide-dir", pyodideDir, ...(snapshot ? ["--snapshot", snapshot] : [])];
}
