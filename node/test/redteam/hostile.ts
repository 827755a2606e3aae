import type { RunnableProgram } from "@medusa/core";

/**
 * Hostile programs. Pyodide hands Python the host's JavaScript (`js`,
 * `pyodide_js`, `run_js`, any JS object's constructor.constructor), so every
 * program here first reaches JavaScript and then, through it, for the host:
 * the OS sandbox, not Python, is what must stop it.
 *
 * `hostile(pythonProbes)` is a program whose map(item) runs each JavaScript
 * snippet in `item.js` and each Python probe named in `item.py`, and returns
 * what each came to: "ok: <value>" or "refused: <exception>".
 */
export function hostile(pythonProbes = ""): RunnableProgram {
  return {
    runtime: "python",
    source: `
import json, os, sys
from pyodide.code import run_js

def attempt(f):
    try:
        return "ok: " + str(f())[:400]
    except BaseException as e:
        return "refused: " + (type(e).__name__ + ": " + str(e))[:400]

PROBES = {}
def probe(f):
    PROBES[f.__name__] = f
    return f

${pythonProbes}

def map(item):
    out = {}
    for name, code in item.get("js", {}).items():
        out[name] = attempt(lambda: run_js(code))
    for name in item.get("py", []):
        out[name] = attempt(PROBES[name])
    return out
`,
  };
}

/** JavaScript that loads libc through bun:ffi and makes raw calls; each gives "returned N" or "errno N". */
export function libcCalls(calls: Record<string, string>): string {
  const body = Object.entries(calls)
    .map(([name, call]) => `${JSON.stringify(name)}: result(${call})`)
    .join(", ");
  return `(() => {
    const { dlopen, read } = process.getBuiltinModule("bun:ffi");
    const libc = dlopen("libc.so.6", {
      open: { args: ["cstring", "i32", "i32"], returns: "i32" },
      read: { args: ["i32", "ptr", "u64"], returns: "i64" },
      socket: { args: ["i32", "i32", "i32"], returns: "i32" },
      fork: { args: [], returns: "i32" },
      execve: { args: ["cstring", "ptr", "ptr"], returns: "i32" },
      ptrace: { args: ["i64", "i32", "ptr", "ptr"], returns: "i64" },
      setrlimit: { args: ["i32", "ptr"], returns: "i32" },
      kill: { args: ["i32", "i32"], returns: "i32" },
      __errno_location: { args: [], returns: "ptr" },
    }).symbols;
    const cstr = (s) => Buffer.from(s + "\\0");
    const result = (r) => (Number(r) === -1 ? "errno " + read.i32(libc.__errno_location()) : "returned " + r);
    return JSON.stringify({ ${body} });
  })()`;
}

/** The EPERM an allowlist-denied call gets, as libc reports it. */
export const ERRNO_EPERM = "errno 1";
