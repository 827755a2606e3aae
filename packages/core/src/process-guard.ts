import { errorMessage } from "./errors.ts";

/**
 * The last resort of a long-running process (a node, a service, the stack):
 * an error no handler caught is logged and the process carries on. Bun's
 * default is to exit, so one bad message, chunk or program result that
 * slipped past its handler would end every node or service in the process.
 * Per-message and per-chunk handlers still come first; this only keeps a
 * mistake there from being fatal. Installed once per process.
 */
export function surviveStrayErrors(name: string, log: (line: string) => void = (line) => console.error(line)): void {
  if (installed) return;
  installed = true;
  const report = (kind: string) => (err: unknown) => {
    const stack = err instanceof Error && err.stack ? `\n${err.stack.split("\n").slice(0, 6).join("\n")}` : "";
    log(`[${name}] ${kind} (survived): ${errorMessage(err)}${stack}`);
  };
  process.on("unhandledRejection", report("unhandled rejection"));
  process.on("uncaughtException", report("uncaught exception"));
}

let installed = false;
