import { assemble, goto, jeq, jset, label, load, next, ret, type Instruction } from "./bpf.ts";
import type { Arch, SyscallName } from "./syscalls.ts";

/**
 * The runner's seccomp policy: an allowlist. Everything Bun, JavaScriptCore
 * and Pyodide need once their runtime is loaded is allowed (memory, threads,
 * futexes, signals to itself, clocks, I/O on the descriptors it already holds);
 * every other call fails with EPERM. So opening a file, making a socket,
 * exec, fork, ptrace, mount, bpf… all fail, and so does anything added to the
 * kernel later. A denylist could not say that, and we often run as root.
 */

const SeccompRet = {
  killProcess: 0x80000000,
  errno: 0x00050000,
  allow: 0x7fff0000,
} as const;
const EPERM = 1;
const ENOSYS = 38;

const CLONE_THREAD = 0x00010000;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET: a thread needs none. */
const CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
const PR_SET_NAME = 15;
const PR_GET_NAME = 16;
const PR_SET_VMA = 0x53564d41;
/** ioctl requests that only ask about a descriptor or set it non-blocking. */
const IOCTLS = { TCGETS: 0x5401, TIOCGWINSZ: 0x5413, FIONREAD: 0x541b, FIONBIO: 0x5421, FIOCLEX: 0x5451, FIONCLEX: 0x5450 };

/** Allowed whatever their arguments: they act on this process's own memory, threads and descriptors. */
export const ALLOWED: readonly SyscallName[] = [
  "read", "write", "readv", "writev", "pread64", "recvfrom", "close", "fstat", "lseek", "fcntl",
  "dup", "dup3", "pipe2", "eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime",
  "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6",
  "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "mincore", "membarrier",
  "futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address", "sched_yield", "sched_getaffinity",
  "sched_getparam", "sched_getscheduler", "getcpu", "gettid", "getpid", "getppid",
  "getuid", "geteuid", "getgid", "getegid", "exit", "exit_group", "restart_syscall",
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
  "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
  "getrandom", "getrlimit", "getrusage", "uname",
];

/** seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian words). */
const NR = 0;
const ARCH = 4;
const argLow = (i: number) => 16 + i * 8;
const argHigh = (i: number) => 20 + i * 8;

/** Builds the filter for `arch`; `pid` is the runner's own, the only process it may signal. */
export function runnerFilter(arch: Arch, pid: number): Uint8Array {
  const nr = (name: SyscallName) => arch.nr[name];
  const dispatch: Instruction[] = [];
  for (const name of ALLOWED) {
    const n = nr(name);
    if (n !== undefined) dispatch.push(jeq(n, "allow"));
  }
  const rules: Instruction[] = [];
  const rule = (name: SyscallName, body: Instruction[]) => {
    const n = nr(name);
    if (n === undefined) return;
    dispatch.push(jeq(n, `rule:${name}`));
    rules.push(label(`rule:${name}`), ...body);
  };
  const isZero = (arg: number): Instruction[] => [load(argLow(arg)), jeq(0, next, "deny"), load(argHigh(arg)), jeq(0, next, "deny")];

  // Threads only: a clone that is not a thread of this process would be fork.
  rule("clone", [load(argLow(0)), jset(CLONE_THREAD, next, "deny"), jset(CLONE_NAMESPACES, "deny", "allow")]);
  // clone3 passes its flags in memory the filter cannot read; ENOSYS makes libc fall back to clone.
  rule("clone3", [ret(SeccompRet.errno | ENOSYS)]);
  // Signals to itself (JSC stops its threads with them), never to another process or group.
  rule("kill", [load(argLow(0)), jeq(pid, "allow", "deny")]);
  rule("tgkill", [load(argLow(0)), jeq(pid, "allow", "deny")]);
  // Threads name themselves; nothing else prctl does is needed.
  rule("prctl", [load(argLow(0)), jeq(PR_SET_NAME, "allow"), jeq(PR_GET_NAME, "allow"), jeq(PR_SET_VMA, "allow", "deny")]);
  rule("ioctl", [load(argLow(1)), ...Object.values(IOCTLS).map((k) => jeq(k, "allow")), goto("deny")]);
  // Reading its own limits is fine; raising them is not.
  rule("prlimit64", [...isZero(2), load(argLow(0)), jeq(0, "allow"), jeq(pid, "allow", "deny")]);
  // Writing to the parent's socket needs no address; an address would mean a socket of its own.
  rule("sendto", [...isZero(4), goto("allow")]);

  const program: Instruction[] = [
    load(ARCH),
    jeq(arch.auditArch, next, "foreign"),
    load(NR),
    ...(arch.x32Bit ? [jset(arch.x32Bit, "foreign")] : []),
    ...dispatch,
    goto("deny"),
    ...rules,
    label("allow"),
    ret(SeccompRet.allow),
    label("deny"),
    ret(SeccompRet.errno | EPERM),
    // A foreign ABI's numbers mean other calls: do not guess, end the process.
    label("foreign"),
    ret(SeccompRet.killProcess),
  ];
  return assemble(program);
}
