import { dirname } from "node:path";
import type { PyodideAPI } from "pyodide";
import { limits } from "@medusa/core/limits";
import type { RunnableProgram } from "@medusa/core/program";
import { truncateMessage, type PythonStart, type RunnerPackages, type RunnerTask } from "./protocol.ts";
import { BoundedText, type ProgramRuntime } from "./program-runtime.ts";
import { loadMirrorWheels, mirrorLockfile, unpackWheels, type WheelBytes } from "./python-packages.ts";
import { loadPython } from "./python-snapshot.ts";

/**
 * Runs Python programs in Pyodide. The per-chunk loop lives in Python and
 * talks to JS through one JSON string each way, so a chunk of many small
 * items costs one boundary crossing, not two per item.
 */

/** The driver lives in its own namespace; the user's program gets a fresh globals dict. */
const DRIVER = String.raw`
import base64, io, json, traceback

program = {}

def describe(e):
    name = type(e).__name__
    if isinstance(e, SyntaxError):
        return f"{name}: {e.msg} (line {e.lineno})"
    text = str(e)
    line = None
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "program.py":
            line = tb.tb_lineno
        tb = tb.tb_next
    msg = f"{name}: {text}" if text else name
    return f"{msg} (line {line})" if line else msg

def fail(message, index=None):
    error = {"message": message}
    if index is not None:
        error["itemIndex"] = index
    return json.dumps({"ok": False, "error": error})

def check(source):
    """Compiles without running anything: a SyntaxError here fails the same way on every node."""
    try:
        compile(source, "program.py", "exec")
    except SyntaxError as e:
        return describe(e)
    return None

def load(source):
    g = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(source, "program.py", "exec"), g)
    except BaseException as e:
        return describe(e)
    program["globals"] = g
    return None

def entry(name, signature):
    fn = program["globals"].get(name)
    return fn if callable(fn) else signature

class File:
    """A binary item: one file of a files input, or one record of a binary file (offset: where it starts in that file)."""
    __slots__ = ("name", "size", "offset", "_base64", "_bytes")

    def __init__(self, item):
        self.name = item["name"]
        self.size = item["size"]
        self.offset = item.get("offset")
        self._base64 = item["base64"]
        self._bytes = None

    @property
    def bytes(self):
        if self._bytes is None:
            self._bytes = base64.b64decode(self._base64)
            self._base64 = None
        return self._bytes

    def read(self):
        return self.bytes

    def open(self):
        """A file object over the bytes, for libraries that want one (PIL.Image.open(item.open()))."""
        return io.BytesIO(self.bytes)

    def __repr__(self):
        at = "" if self.offset is None else f" at {self.offset}"
        return f"File({self.name!r}{at}, {self.size} bytes)"

def run_map(items_json, binary=False):
    fn = entry("map", "program does not define map(item)")
    if isinstance(fn, str):
        return fail(fn)
    items = json.loads(items_json)
    if binary:
        items = [File(item) for item in items]
    results = []
    append = results.append
    i = 0
    try:
        for i, item in enumerate(items):
            append(fn(item))
    except BaseException as e:
        return fail(describe(e), i)
    try:
        return '{"ok":true,"results":' + json.dumps(results, allow_nan=False, separators=(",", ":")) + "}"
    except (TypeError, ValueError, RecursionError):
        return unserialisable(results)
    except BaseException as e:
        return fail(describe(e))

def unserialisable(results):
    """Serialising all results at once is fast; on failure, find which one is to blame."""
    for i, result in enumerate(results):
        try:
            json.dumps(result, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as e:
            return fail(f"result of item {i} is not JSON-serialisable: {e}", i)
    return fail("results are not JSON-serialisable")

states = {}

def run_setup(items_json):
    """A session's partitions: setup(items) once each; the states stay here for step."""
    fn = entry("setup", "program does not define setup(items)")
    if isinstance(fn, str):
        return fail(fn)
    done = []
    for part in json.loads(items_json):
        try:
            states[part["partition"]] = fn(part["items"])
        except BaseException as e:
            return fail(f"setup of partition {part['partition']}: {describe(e)}")
        done.append(part["partition"])
    return '{"ok":true,"results":' + json.dumps(done) + "}"

def run_step(items_json):
    fn = entry("step", "program does not define step(state, params)")
    if isinstance(fn, str):
        return fail(fn)
    call = json.loads(items_json)[0]
    params = call["params"]
    partials = []
    for p in call["partitions"]:
        if p not in states:
            return fail(f"partition {p} is not set up on this runner")
        try:
            partials.append({"partition": p, "value": fn(states[p], params)})
        except BaseException as e:
            return fail(f"step of partition {p}: {describe(e)}")
    try:
        return '{"ok":true,"results":' + json.dumps(partials, allow_nan=False, separators=(",", ":")) + "}"
    except (TypeError, ValueError, RecursionError) as e:
        return fail(f"step result is not JSON-serialisable: {e}")

def run_reduce(items_json):
    fn = entry("reduce", "program does not define reduce(results)")
    if isinstance(fn, str):
        return fail(fn)
    try:
        result = fn(json.loads(items_json))
    except BaseException as e:
        return fail(describe(e))
    try:
        return '{"ok":true,"results":' + json.dumps(result, allow_nan=False, separators=(",", ":")) + "}"
    except (TypeError, ValueError, RecursionError) as e:
        return fail(f"reduce result is not JSON-serialisable: {e}")
    except BaseException as e:
        return fail(describe(e))
`;

export function defaultPyodideIndexURL(): string {
  return `${dirname(Bun.resolveSync("pyodide/package.json", import.meta.dir))}/`;
}

type PyFn = ((...args: unknown[]) => unknown) & { destroy(): void };

export class PythonRuntime implements ProgramRuntime {
  /** What the program printed during the current call; shown with its errors. */
  private readonly output = new BoundedText(limits.programOutputChars);

  private constructor(
    private readonly pyodide: PyodideAPI,
    private readonly driver: Record<"check" | "load" | RunnerTask, PyFn>,
    readonly start: PythonStart,
  ) {}

  /**
   * Loads Pyodide (from the node's snapshot at `snapshot`, if given and
   * accepted) and the job's mirror packages (python-packages.ts); both must
   * happen before confinement.
   */
  static async load(indexURL = defaultPyodideIndexURL(), packages?: RunnerPackages, snapshot?: string): Promise<PythonRuntime> {
    const lockFileContents = await mirrorLockfile(indexURL, packages);
    const { pyodide, start } = await loadPython({ indexURL, stdout: () => {}, stderr: () => {}, ...(lockFileContents ? { lockFileContents } : {}) }, snapshot);
    await loadMirrorWheels(pyodide, packages);
    const runtime: { output?: BoundedText } = {};
    // Python's print() must never reach fd 1: that is the protocol channel. Raw writes,
    // cut to what the buffer keeps before decoding: gigabytes of print() cost no memory.
    const keep = 2 * limits.programOutputChars;
    const decoder = new TextDecoder();
    const capture = {
      write: (bytes: Uint8Array) => {
        runtime.output?.append(decoder.decode(bytes.length > keep ? bytes.subarray(bytes.length - keep) : bytes));
        return bytes.length;
      },
    };
    pyodide.setStdout(capture);
    pyodide.setStderr(capture);
    const ns = pyodide.toPy({});
    pyodide.runPython(DRIVER, { globals: ns });
    const fn = (name: string) => ns.get(name) as PyFn;
    const self = new PythonRuntime(pyodide, { check: fn("check"), load: fn("load"), map: fn("run_map"), reduce: fn("run_reduce"), setup: fn("run_setup"), step: fn("run_step") }, start);
    runtime.output = self.output;
    return self;
  }

  /** The program's SyntaxError (or IndentationError), naming its line; nothing of it runs. */
  check(program: RunnableProgram): string | undefined {
    if (program.runtime !== "python") return undefined;
    const error = this.driver.check(program.source) as string | undefined;
    return error === undefined ? undefined : truncateMessage(error);
  }

  /** Unpacks uploaded pure-Python wheels; called after confinement. */
  unpackWheels(wheels: WheelBytes[]): void {
    unpackWheels(this.pyodide, wheels);
  }

  /** Returns an error message, or undefined once the program's top level ran. */
  async init(program: RunnableProgram): Promise<string | undefined> {
    if (program.runtime !== "python") return `a python runner cannot run a ${program.runtime} program`;
    this.output.clear();
    const error = this.driver.load(program.source) as string | undefined;
    return error === undefined ? undefined : this.withOutput(error);
  }

  async run(task: RunnerTask, items: unknown[], binary = false): Promise<string> {
    this.output.clear();
    const fn = this.driver[task];
    const body = (task === "map" ? fn(JSON.stringify(items), binary) : fn(JSON.stringify(items))) as string;
    if (!body.startsWith('{"ok": false')) return body;
    const failed = JSON.parse(body) as { ok: false; error: { message: string; itemIndex?: number } };
    failed.error.message = this.withOutput(failed.error.message);
    return JSON.stringify(failed);
  }

  private withOutput(message: string): string {
    const printed = this.output.text();
    return truncateMessage(printed ? `${message}\n--- output ---\n${printed}` : message);
  }
}
