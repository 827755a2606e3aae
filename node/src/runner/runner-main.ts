import type { z } from "zod";
import { Runtime } from "@medusa/core/program";
import { errorMessage } from "@medusa/core/errors";
import { limits } from "@medusa/core/limits";
import { readLines } from "./lines.ts";
import { errorBody, type ProgramRuntime } from "./program-runtime.ts";
import { ParentMessage, RUNNER_DEFAULTS, RUNNER_PROTOCOL_VERSION, RunnerPackages, resultLine, type PythonStart, type RunnerMessage } from "./protocol.ts";
import { readUploadedWheels } from "./python-packages.ts";
import { defaultPyodideIndexURL, PythonRuntime } from "./python-runtime.ts";
import { makeSnapshotFile } from "./python-snapshot.ts";
import { confine, dieWithParent } from "./sandbox/confine.ts";
import { WasiRuntime } from "./wasi-runtime.ts";

/**
 * The runner process: the only place untrusted code runs. It loads its
 * runtime before any job exists (so a warm runner is ready at once), confines
 * itself (sandbox/confine.ts), says how in its `ready` message, then serves
 * exactly one job, answering the parent line by line on stdout.
 */

export interface RunnerOptions {
  /** Where Pyodide's files are; defaults to the installed `pyodide` package. */
  pyodideIndexURL?: string;
  /** The node's memory cap for this runner, in MB; RLIMIT_DATA is set from it. */
  memoryMb?: number;
  /** CPU seconds over the runner's life (RLIMIT_CPU). */
  cpuSeconds?: number;
  /** Skip the OS sandbox: only for measuring what it costs and testing the node without it. */
  unconfined?: boolean;
  /** Wheels a Python runner loads before it confines itself, so it serves only jobs with this package set. */
  packages?: RunnerPackages;
  /** The node's Pyodide snapshot (python-snapshot.ts), restored instead of booting Python. */
  snapshot?: string;
  /** Write a snapshot to this path and exit, serving no job. */
  makeSnapshot?: string;
}

/**
 * `runner <runtime> [--pyodide-dir DIR] [--memory-mb N] [--cpu-seconds N] [--packages JSON] [--snapshot FILE]
 * [--make-snapshot FILE] [--unconfined] [--compile-late]`,
 * without the leading `runner`. The runner's environment is empty, so all it
 * needs comes this way. `--compile-late` (read by wasm-early.ts) leaves the
 * wasm compile to Pyodide, as before: only for measuring what it saves.
 */
export function parseRunnerArgs(args: string[]): { runtime: string; opts: RunnerOptions } | { error: string } {
  const [runtime = "", ...rest] = args;
  const opts: RunnerOptions = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === "--unconfined" || flag === "--compile-late") {
      if (flag === "--unconfined") opts.unconfined = true;
      continue;
    }
    const value = rest[++i];
    if (value === undefined) return { error: `${flag} needs a value` };
    if (flag === "--pyodide-dir") opts.pyodideIndexURL = value.replace(/\/?$/, "/");
    else if (flag === "--snapshot") opts.snapshot = value;
    else if (flag === "--make-snapshot") opts.makeSnapshot = value;
    else if (flag === "--packages") {
      const packages = parseJson(RunnerPackages, value);
      if (!packages) return { error: "--packages must be the JSON of a RunnerPackages" };
      opts.packages = packages;
    }
    else if (flag === "--memory-mb" || flag === "--cpu-seconds") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) return { error: `${flag} must be a positive whole number` };
      opts[flag === "--memory-mb" ? "memoryMb" : "cpuSeconds"] = n;
    } else return { error: `unexpected argument ${flag}` };
  }
  return { runtime, opts };
}

/** Runs until stdin closes; returns the exit code. */
export async function runRunner(runtimeName: string, opts: RunnerOptions = {}): Promise<number> {
  const runtime = Runtime.safeParse(runtimeName);
  if (!runtime.success) {
    process.stderr.write(`unknown runtime "${runtimeName}"; expected one of ${Runtime.options.join(", ")}\n`);
    return 2;
  }
  if (!dieWithParent()) return 1;
  if (opts.makeSnapshot !== undefined) return makeSnapshot(runtime.data, opts.makeSnapshot, opts.pyodideIndexURL);
  const out = protocolChannel();
  const runtimeLoaded = await loadRuntime(runtime.data, opts).catch((err) => void process.stderr.write(`runner: ${errorMessage(err)}\n`));
  if (!runtimeLoaded) return 1;
  const { host } = runtimeLoaded;
  // From here on nothing new is opened: the runtime is in memory, stdin/stdout are the parent's.
  const sandbox = opts.unconfined
    ? { os: false, detail: "started with --unconfined" }
    : confine({
        memoryMb: opts.memoryMb ?? RUNNER_DEFAULTS.memoryMb,
        cpuSeconds: opts.cpuSeconds ?? RUNNER_DEFAULTS.cpuSeconds,
        // A chunk's instance, and the previous one until the collector frees it. Pyodide's memory exists already.
        wasmMemories: runtime.data === "wasi" ? 2 : 0,
      });
  try {
    runtimeLoaded.afterConfinement();
  } catch (err) {
    process.stderr.write(`runner: uploaded wheels did not unpack: ${errorMessage(err)}\n`);
    return 1;
  }
  const python = runtimeLoaded.python ? { python: runtimeLoaded.python } : {};
  await out.send({ v: RUNNER_PROTOCOL_VERSION, type: "ready", runtime: runtime.data, sandbox, ...python });

  let holdsJob = false;
  let loaded = false;
  for await (const line of readLines(Bun.stdin.stream(), limits.parentLineBytes)) {
    const parsed = parseJson(ParentMessage, line);
    if (!parsed) {
      process.stderr.write(`runner: malformed message from parent: ${line.slice(0, 200)}\n`);
      return 2;
    }
    if (parsed.type === "init") {
      if (holdsJob) {
        await out.send({ v: RUNNER_PROTOCOL_VERSION, type: "init_error", message: "this runner already holds a job" });
        continue;
      }
      holdsJob = true;
      const syntax = host.check?.(parsed.program);
      if (syntax !== undefined) {
        await out.send({ v: RUNNER_PROTOCOL_VERSION, type: "init_error", message: syntax, deterministic: true });
        continue;
      }
      const error = await host.init(parsed.program);
      loaded = error === undefined;
      await out.send(loaded ? { v: RUNNER_PROTOCOL_VERSION, type: "loaded" } : { v: RUNNER_PROTOCOL_VERSION, type: "init_error", message: error! });
      continue;
    }
    if (!loaded) {
      await out.sendLine(resultLine(parsed.id, errorBody("no program loaded")));
      continue;
    }
    try {
      await out.sendLine(resultLine(parsed.id, await host.run(parsed.task, parsed.items, parsed.binary === true)));
    } catch (err) {
      // The runtime itself broke (not the program's exception): report, then die so the parent replaces us.
      await out.sendLine(resultLine(parsed.id, errorBody(`runner failed: ${errorMessage(err)}`)));
      return 1;
    }
  }
  return 0;
}

/**
 * Everything the runner reads from disk, read now, before confinement: the
 * runtime, the job's mirror packages, the bytes of its uploaded wheels. Those
 * wheels are the consumer's, so they are unpacked only once confined.
 */
async function loadRuntime(runtime: Runtime, opts: RunnerOptions): Promise<{ host: ProgramRuntime; afterConfinement: () => void; python?: PythonStart }> {
  if (runtime === "wasi") return { host: new WasiRuntime(), afterConfinement: () => {} };
  const python = await PythonRuntime.load(opts.pyodideIndexURL, opts.packages, opts.snapshot);
  const uploads = await readUploadedWheels(opts.packages);
  return { host: python, afterConfinement: () => python.unpackWheels(uploads), python: python.start };
}

/** The snapshot maker: the node's own code, no job's, so it runs unconfined and may write its file. */
async function makeSnapshot(runtime: Runtime, path: string, indexURL = defaultPyodideIndexURL()): Promise<number> {
  if (runtime !== "python") {
    process.stderr.write("runner: only a python runner makes a snapshot\n");
    return 2;
  }
  try {
    await makeSnapshotFile(path, indexURL);
    return 0;
  } catch (err) {
    process.stderr.write(`runner: snapshot not made: ${errorMessage(err)}\n`);
    return 1;
  }
}

/** The parent's JSON (a message line, the --packages argument) as `schema` reads it, or undefined. */
function parseJson<T extends z.ZodType>(schema: T, text: string): z.infer<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * fd 1 carries the protocol and nothing else: library chatter through the
 * console goes to stderr, and the writer is captured before any program runs.
 */
function protocolChannel() {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout);
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  const sendLine = (line: string) =>
    new Promise<void>((resolve, reject) => {
      write(`${line}\n`, (err) => (err ? reject(err) : resolve()));
    });
  return { sendLine, send: (message: RunnerMessage) => sendLine(JSON.stringify(message)) };
}
