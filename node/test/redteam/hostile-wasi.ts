import type { RunnableProgram } from "@medusa/core";
import { compileWat } from "@medusa/testing/wat-fixtures";

/**
 * Hostile WASI modules: all a module can do is call its imports, so these
 * call every preview1 door to files, sockets and processes, or try to
 * exhaust memory and output.
 */

const write = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 24) (local.get $ptr))
    (i32.store (i32.const 28) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 32)))`;

/** What each door answered, in this order; the module prints them as one JSON array. */
export const PROBE_CALLS = [
  "path_open from fd 3",
  "path_open from stdin",
  "fd_prestat_get 3",
  "path_unlink_file",
  "fd_readdir 3",
  "sock_accept 3",
  "sock_send 3",
  "sock_recv 3",
  "sock_shutdown 3",
  "proc_raise SIGKILL",
  "fd_read fd 5",
  "fd_write fd 7",
  "environ count",
] as const;

const probe = `(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ (param i32 i32) (result i32)))
  ${write}
  (memory (export "memory") 1)
  (data (i32.const 100) "/etc/passwd")
  (global $pos (mut i32) (i32.const 1024))
  (func $char (param $c i32)
    (i32.store8 (global.get $pos) (local.get $c))
    (global.set $pos (i32.add (global.get $pos) (i32.const 1))))
  ;; Appends n (0..999) in decimal, then a comma.
  (func $put (param $n i32)
    (if (i32.ge_u (local.get $n) (i32.const 100)) (then (call $char (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 100))))))
    (if (i32.ge_u (local.get $n) (i32.const 10)) (then (call $char (i32.add (i32.const 48) (i32.rem_u (i32.div_u (local.get $n) (i32.const 10)) (i32.const 10))))))
    (call $char (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
    (call $char (i32.const 44)))
  (func (export "_start")
    (call $char (i32.const 91))
    (call $put (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200)))
    (call $put (call $path_open (i32.const 0) (i32.const 0) (i32.const 100) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200)))
    (call $put (call $prestat (i32.const 3) (i32.const 200)))
    (call $put (call $unlink (i32.const 3) (i32.const 100) (i32.const 11)))
    (call $put (call $readdir (i32.const 3) (i32.const 300) (i32.const 64) (i64.const 0) (i32.const 200)))
    (call $put (call $accept (i32.const 3) (i32.const 0) (i32.const 200)))
    (call $put (call $send (i32.const 3) (i32.const 24) (i32.const 1) (i32.const 0) (i32.const 200)))
    (call $put (call $recv (i32.const 3) (i32.const 24) (i32.const 1) (i32.const 0) (i32.const 200) (i32.const 204)))
    (call $put (call $shutdown (i32.const 3) (i32.const 2)))
    (call $put (call $raise (i32.const 9)))
    (call $put (call $fd_read (i32.const 5) (i32.const 24) (i32.const 1) (i32.const 200)))
    (call $put (call $write (i32.const 7) (i32.const 100) (i32.const 11)))
    (drop (call $environ (i32.const 200) (i32.const 204)))
    (call $put (i32.load (i32.const 200)))
    ;; The last comma becomes the closing bracket.
    (global.set $pos (i32.sub (global.get $pos) (i32.const 1)))
    (call $char (i32.const 93))
    (call $char (i32.const 10))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.sub (global.get $pos) (i32.const 1024))))))`;

/** Writes 1 MiB of "x" to stdout, forever. */
const flood = `(module ${write}
  (memory (export "memory") 17)
  (func (export "_start")
    (memory.fill (i32.const 65536) (i32.const 120) (i32.const 1048576))
    (loop $forever
      (drop (call $write (i32.const 1) (i32.const 65536) (i32.const 1048576)))
      (br $forever))))`;

/** Grows its memory 1 MiB at a time and touches every page, until growing fails; then exits with code 7. */
const memoryBomb = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $page i32)
    (loop $more
      (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then (call $proc_exit (i32.const 7))))
      (local.set $page (i32.sub (memory.size) (i32.const 16)))
      (memory.fill (i32.mul (local.get $page) (i32.const 65536)) (i32.const 1) (i32.const 1048576))
      (br $more))))`;

const SOURCES = { probe, flood, memoryBomb } as const;

export async function hostileWasi(name: keyof typeof SOURCES): Promise<RunnableProgram> {
  return { runtime: "wasi", moduleBase64: Buffer.from(await compileWat(name, SOURCES[name])).toString("base64") };
}
