import { ptr } from "bun:ffi";
import { readFileSync, readdirSync } from "node:fs";
import { openLibc, type Libc } from "./libc.ts";
import { runnerFilter } from "./policy.ts";
import { hostArch } from "./syscalls.ts";

/**
 * Drops a runner's privileges once its runtime is loaded and before it sees
 * untrusted code: resource limits, no_new_privs, then the seccomp filter on
 * every thread. What it could not apply it says, and the runner reports it;
 * the node decides what a runner without an OS sandbox may run.
 */

export interface ConfineOptions {
  /** CPU seconds over the runner's life (RLIMIT_CPU): a backstop should the parent stop watching. */
  cpuSeconds: number;
  /**
   * The node's memory cap for the runner. RLIMIT_DATA lets the runner add
   * twice this to what its loaded runtime holds: a hard backstop, set above
   * the node's polled RSS cap so that one, with its clear message, normally
   * acts first.
   */
  memoryMb: number;
  /**
   * Fast WebAssembly memories the runner will still create (one per WASI
   * chunk). JSC reserves each as ~4 GiB of writable, unbacked address space,
   * which RLIMIT_DATA counts; without room for them JSC falls back to
   * bounds-checked memories that copy on every grow, hundreds of times slower.
   */
  wasmMemories?: number;
}

/** What JSC maps for one fast wasm32 memory: 4 GiB plus guard pages (4307615744 bytes seen), rounded up. */
export const WASM_MEMORY_RESERVATION_MB = 4112;

export interface Confinement {
  /** True once the seccomp filter is on every thread. */
  os: boolean;
  /** What was applied, or why not: for the node's log. */
  detail: string;
}

const PR_SET_PDEATHSIG = 1;
const PR_SET_NO_NEW_PRIVS = 38;
const SIGKILL = 9;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;
const Rlimit = { cpu: 0, fsize: 1, data: 2, core: 4, nofile: 7, memlock: 8, msgqueue: 12 } as const;
/** New descriptors the runtime may still make (eventfds, timers) beyond those open at confinement. */
const SPARE_FDS = 32;

let libc: Libc | undefined | null = null;
const loadLibc = () => (libc === null ? (libc = openLibc()) : libc);

/**
 * Called first thing in a runner: it dies with its node, so a runaway program
 * cannot outlive the process that would kill it. Returns false if the parent
 * is already gone.
 */
export function dieWithParent(): boolean {
  const c = loadLibc();
  if (!c) return true;
  c.prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before the call: we would then belong to init.
  return c.getppid() !== 1;
}

export function confine(opts: ConfineOptions): Confinement {
  const arch = hostArch();
  if (process.platform !== "linux" || !arch) return { os: false, detail: `no OS sandbox on ${process.platform}/${process.arch}` };
  const c = loadLibc();
  if (!c) return { os: false, detail: "libc could not be loaded through bun:ffi" };

  const limits = applyLimits(c, opts);
  if (c.prctl(PR_SET_NO_NEW_PRIVS, 1) !== 0) return { os: false, detail: `prctl(PR_SET_NO_NEW_PRIVS) failed: errno ${c.errno()}` };
  const filter = runnerFilter(arch, process.pid);
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  const fprog = new BigUint64Array([BigInt(filter.length / 8), BigInt(ptr(filter))]);
  const result = c.syscall(arch.nr.seccomp!, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, new Uint8Array(fprog.buffer));
  if (result !== 0) {
    const why = result > 0 ? `thread ${result} could not be synchronised` : `errno ${c.errno()}`;
    return { os: false, detail: `seccomp filter refused (${why}); ${limits}` };
  }
  return { os: true, detail: `seccomp allowlist on all threads, no_new_privs; ${limits}` };
}

function applyLimits(c: Libc, opts: ConfineOptions): string {
  const applied: string[] = [];
  const set = (name: keyof typeof Rlimit, soft: bigint, hard = soft) => {
    if (c.setrlimit(Rlimit[name], soft, hard) === 0) applied.push(`${name}=${soft}`);
    else applied.push(`${name} not set (errno ${c.errno()})`);
  };
  set("core", 0n);
  set("fsize", 0n);
  set("memlock", 0n);
  set("msgqueue", 0n);
  set("nofile", BigInt(highestFd() + 1 + SPARE_FDS));
  // SIGXCPU at the soft limit, SIGKILL a little later should it be caught.
  set("cpu", BigInt(opts.cpuSeconds), BigInt(opts.cpuSeconds + 5));
  const dataKb = vmDataKb();
  const headroomMb = 2 * opts.memoryMb + (opts.wasmMemories ?? 0) * WASM_MEMORY_RESERVATION_MB;
  if (dataKb !== undefined) set("data", BigInt(dataKb * 1024 + headroomMb * 1024 * 1024));
  return `rlimits ${applied.join(" ")}`;
}

function highestFd(): number {
  try {
    return Math.max(2, ...readdirSync("/proc/self/fd").map(Number).filter(Number.isInteger));
  } catch {
    return 64;
  }
}

/** Writable private memory mapped now, which RLIMIT_DATA counts: JSC reserves gigabytes of it up front. */
function vmDataKb(): number | undefined {
  try {
    const kb = /^VmData:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}
