import { describe, expect, test } from "bun:test";
import { compilePythonEarly, earlyModule } from "./wasm-early.ts";
import { defaultPyodideIndexURL } from "./python-runtime.ts";

/** Which runners compile Pyodide's module early; python-snapshot.test.ts runs jobs on runners that did, restored and booted. */
describe("compiling Pyodide's module early", () => {
  test("only a Python runner that serves jobs starts it; a failed compile leaves Pyodide to compile (and complain) itself", async () => {
    for (const args of [["wasi"], ["python", "--make-snapshot", "/tmp/x.snapshot"], ["python", "--compile-late"]]) {
      compilePythonEarly(args);
      expect([args, await earlyModule()]).toEqual([args, undefined]);
    }
    compilePythonEarly(["python", "--pyodide-dir", "/nonexistent-pyodide"]);
    expect(await earlyModule()).toBeUndefined();
    compilePythonEarly(["python", "--pyodide-dir", defaultPyodideIndexURL()]);
    const early = await earlyModule();
    expect(early?.module).toBeInstanceOf(WebAssembly.Module);
    // Pyodide's own module: it exports its memory and thousands of functions.
    expect(WebAssembly.Module.exports(early!.module).length).toBeGreaterThan(1000);
  }, 60_000);
});
