/** Starts a runner from source: `bun runner-entry.ts <runtime> [flags]`; tests and dev use it. */
import { compilePythonEarly } from "./wasm-early.ts";

// Before anything else is imported: the compile runs on its own thread meanwhile.
compilePythonEarly(process.argv.slice(2));
const { parseRunnerArgs, runRunner } = await import("./runner-main.ts");
const parsed = parseRunnerArgs(process.argv.slice(2));
if ("error" in parsed) {
  process.stderr.write(`runner: ${parsed.error}\n`);
  process.exit(2);
}
process.exit(await runRunner(parsed.runtime, parsed.opts));
