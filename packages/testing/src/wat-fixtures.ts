import wabtInit from "wabt";
import type { RunnableProgram } from "@medusa/core/program";

/** WASI test modules, written in WAT and compiled when a test asks for them. */

const imports = `
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)`;

/** Writes `len` bytes at `ptr` to `fd`, using 24..40 for the iovec and count. */
const write = `
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 24) (local.get $ptr))
    (i32.store (i32.const 28) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 32))))`;

export const WAT = {
  /** Copies stdin to stdout: the identity map. */
  echo: `(module ${imports} ${write}
    (func (export "_start") (local $n i32)
      (loop $again
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
        (local.set $n (i32.load (i32.const 16)))
        (if (i32.gt_u (local.get $n) (i32.const 0))
          (then (call $write (i32.const 1) (i32.const 1024) (local.get $n)) (br $again))))))`,

  /** Complains on stderr and exits with code 3. */
  exit3: `(module ${imports} ${write}
    (data (i32.const 100) "something broke\\n")
    (func (export "_start")
      (call $write (i32.const 2) (i32.const 100) (i32.const 16))
      (call $proc_exit (i32.const 3))))`,

  /** Looks for a preopened directory, then tries path_open anyway; exits with what path_open returned. */
  pathOpen: `(module
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 100) "/etc/passwd")
    (func (export "_start")
      (if (i32.ne (call $prestat (i32.const 3) (i32.const 0)) (i32.const 8)) (then (call $proc_exit (i32.const 99))))
      (call $proc_exit
        (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200)))))`,

  /** Never returns. */
  loop: `(module ${imports}
    (func (export "_start") (loop $forever (br $forever))))`,

  /** Prints \`[argc,envc]\` (single digits) once, whatever the input. */
  counts: `(module
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ (param i32 i32) (result i32)))
    ${imports.replace(/\(import "wasi_snapshot_preview1" "fd_read"[^\n]*\n/, "")} ${write}
    (data (i32.const 100) "[0,0]\\n")
    (func (export "_start")
      (drop (call $args (i32.const 0) (i32.const 4)))
      (drop (call $environ (i32.const 8) (i32.const 12)))
      (i32.store8 (i32.const 101) (i32.add (i32.const 48) (i32.load (i32.const 0))))
      (i32.store8 (i32.const 103) (i32.add (i32.const 48) (i32.load (i32.const 8))))
      (call $write (i32.const 1) (i32.const 100) (i32.const 6))))`,

  /** Prints one line that is not JSON. */
  notJson: `(module ${imports} ${write}
    (data (i32.const 100) "nope\\n")
    (func (export "_start") (call $write (i32.const 1) (i32.const 100) (i32.const 5))))`,

  /** Hands random_get a buffer past the end of memory; exits with the errno. */
  badPointer: `(module
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $proc_exit (call $random (i32.const 65000) (i32.const 1000)))))`,

  /** Needs a host function the sandbox does not give. */
  foreignImport: `(module
    (import "env" "system" (func $system (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")))`,
} as const;

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

export function wasm(name: keyof typeof WAT): Promise<Uint8Array> {
  return compileWat(name, WAT[name]);
}

/** Compiles WebAssembly text to a binary module. */
export async function compileWat(name: string, source: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const parsed = wabt.parseWat(`${name}.wat`, source);
  try {
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

export async function wasiProgram(name: keyof typeof WAT): Promise<RunnableProgram> {
  return { runtime: "wasi", moduleBase64: Buffer.from(await wasm(name)).toString("base64") };
}
