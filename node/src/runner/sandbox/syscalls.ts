/**
 * Syscall numbers for the filter, per architecture, from the kernel's
 * asm/unistd_64.h (x86_64) and asm-generic/unistd.h (aarch64). A name missing
 * on an architecture (aarch64 has no open, fork or poll) is left out there;
 * the filter never allows what it cannot name, so a gap only denies more.
 */

export const SYSCALL_NAMES = [
  "read", "write", "readv", "writev", "pread64", "close", "fstat", "lseek",
  "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "mincore", "membarrier",
  "futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield", "sched_getaffinity",
  "sched_getparam", "sched_getscheduler", "getcpu", "gettid", "getpid", "getppid",
  "exit", "exit_group", "set_tid_address", "restart_syscall", "clone", "clone3",
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill", "kill", "tkill",
  "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
  "recvfrom", "sendto", "fcntl", "ioctl",
  "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "epoll_create1", "eventfd2",
  "timerfd_create", "timerfd_settime", "timerfd_gettime", "pipe2", "dup", "dup3",
  "poll", "ppoll", "select", "pselect6",
  "getrandom", "getrlimit", "setrlimit", "prlimit64", "getrusage", "uname",
  "getuid", "geteuid", "getgid", "getegid", "prctl", "seccomp",
  "open", "openat", "openat2", "creat", "newfstatat", "statx",
  "socket", "connect", "execve", "execveat", "fork", "vfork",
  "ptrace", "process_vm_readv", "process_vm_writev",
] as const;
export type SyscallName = (typeof SYSCALL_NAMES)[number];

export interface Arch {
  name: "x86_64" | "aarch64";
  /** AUDIT_ARCH_* from linux/audit.h: what seccomp_data.arch holds for this ABI. */
  auditArch: number;
  /** On x86_64, numbers with this bit set are the x32 ABI, which the filter must refuse. */
  x32Bit?: number;
  nr: Partial<Record<SyscallName, number>>;
}

export const X86_64: Arch = {
  name: "x86_64",
  auditArch: 0xc000003e,
  x32Bit: 0x40000000,
  nr: {
    read: 0, write: 1, open: 2, close: 3, fstat: 5, poll: 7, lseek: 8, mmap: 9, mprotect: 10,
    munmap: 11, brk: 12, rt_sigaction: 13, rt_sigprocmask: 14, rt_sigreturn: 15, ioctl: 16,
    pread64: 17, readv: 19, writev: 20, select: 23, sched_yield: 24, mremap: 25, mincore: 27,
    madvise: 28, dup: 32, nanosleep: 35, getpid: 39, socket: 41, connect: 42, sendto: 44,
    recvfrom: 45, clone: 56, fork: 57, vfork: 58, execve: 59, exit: 60, kill: 62, uname: 63,
    fcntl: 72, creat: 85, gettimeofday: 96, getrlimit: 97, getrusage: 98, ptrace: 101,
    getuid: 102, getgid: 104, geteuid: 107, getegid: 108, getppid: 110, sigaltstack: 131,
    sched_getparam: 143, sched_getscheduler: 145, prctl: 157, setrlimit: 160, gettid: 186,
    tkill: 200, time: 201, futex: 202, sched_getaffinity: 204, set_tid_address: 218,
    restart_syscall: 219, clock_gettime: 228, clock_getres: 229, clock_nanosleep: 230,
    exit_group: 231, epoll_wait: 232, epoll_ctl: 233, tgkill: 234, openat: 257, newfstatat: 262,
    pselect6: 270, ppoll: 271, set_robust_list: 273, get_robust_list: 274, epoll_pwait: 281,
    timerfd_create: 283, timerfd_settime: 286, timerfd_gettime: 287, eventfd2: 290,
    epoll_create1: 291, dup3: 292, pipe2: 293, prlimit64: 302, getcpu: 309,
    process_vm_readv: 310, process_vm_writev: 311, seccomp: 317, getrandom: 318, execveat: 322,
    membarrier: 324, statx: 332, rseq: 334, clone3: 435, openat2: 437, epoll_pwait2: 441,
  },
};

export const AARCH64: Arch = {
  name: "aarch64",
  auditArch: 0xc00000b7,
  nr: {
    epoll_create1: 20, epoll_ctl: 21, epoll_pwait: 22, dup: 23, dup3: 24, fcntl: 25, ioctl: 29,
    openat: 56, close: 57, pipe2: 59, lseek: 62, read: 63, write: 64, readv: 65, writev: 66,
    pread64: 67, pselect6: 72, ppoll: 73, newfstatat: 79, fstat: 80, timerfd_create: 85,
    timerfd_settime: 86, timerfd_gettime: 87, exit: 93, exit_group: 94, set_tid_address: 96,
    futex: 98, set_robust_list: 99, get_robust_list: 100, nanosleep: 101, clock_gettime: 113,
    clock_getres: 114, clock_nanosleep: 115, ptrace: 117, sched_getscheduler: 120,
    sched_getparam: 121, sched_getaffinity: 123, sched_yield: 124, restart_syscall: 128, kill: 129,
    tkill: 130, tgkill: 131, sigaltstack: 132, rt_sigaction: 134, rt_sigprocmask: 135,
    rt_sigreturn: 139, uname: 160, getrlimit: 163, setrlimit: 164, getrusage: 165, prctl: 167,
    getcpu: 168, gettimeofday: 169, getpid: 172, getppid: 173, getuid: 174, geteuid: 175,
    getgid: 176, getegid: 177, gettid: 178, socket: 198, connect: 203, sendto: 206, recvfrom: 207,
    brk: 214, munmap: 215, mremap: 216, clone: 220, execve: 221, mmap: 222, mprotect: 226,
    mincore: 232, madvise: 233, prlimit64: 261, process_vm_readv: 270, process_vm_writev: 271,
    seccomp: 277, getrandom: 278, execveat: 281, membarrier: 283, statx: 291, rseq: 293,
    clone3: 435, openat2: 437, epoll_pwait2: 441,
  },
};

/** The table for the machine this process runs on, if the filter knows it. */
export function hostArch(arch: string = process.arch): Arch | undefined {
  return arch === "x64" ? X86_64 : arch === "arm64" ? AARCH64 : undefined;
}
