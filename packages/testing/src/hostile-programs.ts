/**
 * Programs a hostile consumer would submit, shared by the runner, stack and
 * distributed tests of bounded results.
 */

/** A WASI module (WAT) that prints one line of `depth` brackets inside one another, whatever its input. */
export function deepResultWat(depth: number): string {
  return `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (func (export "_start")
    (memory.fill (i32.const 1024) (i32.const 91) (i32.const ${depth}))
    (memory.fill (i32.const ${1024 + depth}) (i32.const 93) (i32.const ${depth}))
    (i32.store8 (i32.const ${1024 + 2 * depth}) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const ${2 * depth + 1}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;
}

/**
 * Python source defining `FORGE`: JavaScript that, run with `pyodide.code.run_js`,
 * writes a runner `result` line nested `depth` deep straight to fd 1, past the
 * runtime's own serialiser.
 */
export function forgeDeepResultPython(depth: number): string {
  return `
from pyodide.code import run_js

FORGE = """(() => {
  const fs = process.getBuiltinModule("fs");
  const deep = "[".repeat(${depth}) + "]".repeat(${depth});
  const line = Buffer.from('{"v":2,"type":"result","id":1,"ok":true,"results":[' + deep + ']}\\\\n');
  for (let sent = 0; sent < line.length; ) { try { sent += fs.writeSync(1, line, sent); } catch (e) { if (e.code !== "EAGAIN") throw e; } }
})()"""
`;
}
