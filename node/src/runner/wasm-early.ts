/**
 * Compiling pyodide.asm.wasm (9.6 MB) is the largest single cost of a
 * runner's start, 0.3–0.9 s, and Pyodide only begins it after loading its
 * own scripts. A Python runner starts it first thing instead (runner-entry.ts,
 * main.ts), on JSC's wasm compiler thread, while the main thread loads the
 * runner's modules; loadPython then instantiates the compiled module
 * (`instantiateWith`). All of it happens inside the runner, before
 * confinement, so the sandbox is as it was: one process per runner, nothing
 * shared with the node or another runner.
 */

export interface EarlyModule {
  module: WebAssembly.Module;
  /** From the runner's first line to the module compiled (reading the file included). */
  readyAtMs: number;
}

let compiling: Promise<EarlyModule | undefined> | undefined;

/** The Pyodide directory a `runner python …` command line names, or the installed package's. */
function pyodideDirOf(args: string[]): string {
  const at = args.indexOf("--pyodide-dir");
  const dir = at >= 0 ? args[at + 1] : undefined;
  if (dir) return dir.replace(/\/?$/, "/");
  return Bun.resolveSync("pyodide/package.json", import.meta.dir).replace(/package\.json$/, "");
}

/**
 * Starts compiling Pyodide's module when `args` (a runner's, without the
 * leading `runner`) start a Python runner that serves jobs. A failure here is
 * not reported: Pyodide then compiles the module itself and says why it cannot.
 */
export function compilePythonEarly(args: string[]): void {
  if (args[0] !== "python" || args.includes("--make-snapshot") || args.includes("--compile-late")) return;
  compiling = (async () => {
    const module = await WebAssembly.compile(await Bun.file(`${pyodideDirOf(args)}pyodide.asm.wasm`).bytes());
    return { module, readyAtMs: Math.round(performance.now()) };
  })().catch(() => undefined);
}

/** The module compiled early, once compiled; undefined when none was started or it failed. */
export function earlyModule(): Promise<EarlyModule | undefined> {
  return compiling ?? Promise.resolve(undefined);
}

type Imports = Parameters<typeof WebAssembly.instantiate>[1];
type Settings = { instantiateWasm: (imports: Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => unknown };
type CreateModule = (settings: Settings) => Promise<unknown>;

/**
 * A `createPyodideModule` for loadPyodide that instantiates `module` instead
 * of compiling the bytes Pyodide read. Pyodide's own `instantiateWasm` adds
 * two imports it makes privately, then calls `WebAssembly.instantiate(bytes,
 * imports)`; for that one call, and only while it is made, the bytes are
 * swapped for the compiled module.
 */
export function instantiateWith(module: WebAssembly.Module, indexURL: string): CreateModule {
  return async (settings) => {
    const { default: create } = (await import(`${indexURL}pyodide.asm.mjs`)) as { default: CreateModule };
    const own = settings.instantiateWasm;
    settings.instantiateWasm = (imports, done) => {
      const real = WebAssembly.instantiate;
      const swapped = ((source: unknown, given?: Imports) => {
        if (source instanceof WebAssembly.Module) return real(source, given);
        WebAssembly.instantiate = real;
        return real(module, given).then((instance) => ({ instance, module }));
      }) as typeof WebAssembly.instantiate;
      WebAssembly.instantiate = swapped;
      return own(imports, done);
    };
    return create(settings);
  };
}
