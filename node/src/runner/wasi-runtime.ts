import type { RunnableProgram } from "@medusa/core/program";
import { errorMessage } from "@medusa/core/errors";
import { limits } from "@medusa/core/limits";
import type { RunnerTask } from "./protocol.ts";
import { truncateMessage } from "./protocol.ts";
import { errorBody, okBody, type ProgramRuntime } from "./program-runtime.ts";
import { OutputCapExceeded, ProcExit, WASI_MODULE, WasiHost } from "./wasi-host.ts";

/**
 * Runs WASI preview1 command modules the Hadoop Streaming way: a chunk's
 * items go to stdin as one JSON line each; stdout must come back as one JSON
 * line per item, in order, with exit code 0. The module is compiled once per
 * job and instantiated afresh for every chunk, so chunks share no state.
 * A binary item (a file, a record) is the line `{"name","size","offset"?,
 * "base64"}`, its bytes base64-encoded, like any other item.
 */
export class WasiRuntime implements ProgramRuntime {
  private module: WebAssembly.Module | undefined;

  constructor(private readonly stdoutCap = limits.resultBytes) {}

  async init(program: RunnableProgram): Promise<string | undefined> {
    if (program.runtime !== "wasi") return `a wasi runner cannot run a ${program.runtime} program`;
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(Buffer.from(program.moduleBase64, "base64"));
    } catch (err) {
      return `module does not compile: ${errorMessage(err)}`;
    }
    const foreign = WebAssembly.Module.imports(module).filter((i) => i.module !== WASI_MODULE || i.kind !== "function");
    if (foreign.length > 0) {
      const names = foreign.map((i) => `${i.module}.${i.name}`).join(", ");
      return truncateMessage(`module imports what the sandbox does not provide: ${names}`);
    }
    const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
    if (exports.get("_start") !== "function") return "module does not export _start (is it a WASI command module?)";
    if (exports.get("memory") !== "memory") return "module does not export its memory";
    this.module = module;
    return undefined;
  }

  async run(task: RunnerTask, items: unknown[]): Promise<string> {
    if (!this.module) return errorBody("no program loaded");
    if (task !== "map") return errorBody(task === "reduce" ? "wasi programs have no reduce" : "sessions run Python programs only");
    const stdin = Buffer.from(items.map((item) => `${JSON.stringify(item)}\n`).join(""));
    const host = new WasiHost({ stdin, stdoutCap: this.stdoutCap });
    const failure = await this.start(host);
    if (failure) return errorBody(withStderr(failure, host));
    return collectResults(host.stdout.bytes(), items.length);
  }

  /** Runs `_start`; returns why the run failed, or undefined when it exited 0. */
  private async start(host: WasiHost): Promise<string | undefined> {
    const instance = await WebAssembly.instantiate(this.module!, host.imports(this.module!));
    host.bind(instance.exports.memory as WebAssembly.Memory);
    try {
      (instance.exports._start as () => void)();
      return undefined;
    } catch (err) {
      if (err instanceof ProcExit) return err.code === 0 ? undefined : `module exited with code ${err.code}`;
      if (err instanceof OutputCapExceeded) return err.message;
      if (err instanceof WebAssembly.RuntimeError) return `module trapped: ${err.message}`;
      if (err instanceof RangeError) return `module failed: ${err.message}`;
      throw err;
    }
  }
}

function withStderr(message: string, host: WasiHost): string {
  const stderr = new TextDecoder().decode(host.stderr.bytes()).trim();
  return truncateMessage(stderr ? `${message}\n--- stderr ---\n${stderr}` : message);
}

/** Checks stdout holds one JSON line per item and splices them into one array without re-serialising. */
export function collectResults(stdout: Uint8Array, itemCount: number): string {
  const text = new TextDecoder().decode(stdout);
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text === "" ? [] : text.split("\n");
  if (lines.length !== itemCount) return errorBody(`module printed ${lines.length} lines for ${itemCount} items`);
  for (let i = 0; i < lines.length; i++) {
    try {
      JSON.parse(lines[i]!);
    } catch {
      return errorBody(`line ${i + 1} is not JSON`, i);
    }
  }
  return okBody(`[${lines.join(",")}]`);
}
