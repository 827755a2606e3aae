import { describe, expect, test } from "bun:test";
import { ALLOWED, runnerFilter } from "./policy.ts";
import { AARCH64, X86_64, type Arch, type SyscallName } from "./syscalls.ts";

/**
 * The filter's decisions, computed by a classic-BPF interpreter over
 * seccomp_data; confine.test.ts checks the kernel agrees on a real process.
 */
function decide(filter: Uint8Array, data: { nr: number; arch: number; args?: bigint[] }): number {
  const seccompData = new DataView(new ArrayBuffer(64));
  seccompData.setInt32(0, data.nr, true);
  seccompData.setUint32(4, data.arch, true);
  (data.args ?? []).forEach((arg, i) => seccompData.setBigUint64(16 + i * 8, BigInt.asUintN(64, arg), true));
  const code = new DataView(filter.buffer);
  let acc = 0;
  for (let pc = 0; pc < filter.length / 8; pc++) {
    const [op, jt, jf, k] = [code.getUint16(pc * 8, true), code.getUint8(pc * 8 + 2), code.getUint8(pc * 8 + 3), code.getUint32(pc * 8 + 4, true)];
    if (op === 0x20) acc = seccompData.getUint32(k, true);
    else if (op === 0x15) pc += acc === k ? jt : jf;
    else if (op === 0x45) pc += (acc & k) !== 0 ? jt : jf;
    else if (op === 0x05) pc += k;
    else if (op === 0x06) return k;
    else throw new Error(`unexpected opcode ${op}`);
  }
  throw new Error("fell off the end of the filter");
}

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL = 0x80000000;
const PID = 4242;
const THREAD = 0x3d0f00n; // what glibc's pthread_create passes: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

function verdicts(arch: Arch) {
  const filter = runnerFilter(arch, PID);
  return (name: SyscallName | number, ...args: (number | bigint)[]) => {
    const nr = typeof name === "number" ? name : arch.nr[name]!;
    return decide(filter, { nr, arch: arch.auditArch, args: args.map(BigInt) });
  };
}

describe("the runner's seccomp policy on x86_64", () => {
  const call = verdicts(X86_64);

  test("what a loaded runtime needs is allowed", () => {
    for (const name of ALLOWED) expect([name, call(name)]).toEqual([name, ALLOW]);
    expect(call("clone", THREAD)).toBe(ALLOW);
  });

  test("files, sockets, processes and the kernel's other doors are EPERM", () => {
    const denied: SyscallName[] = ["open", "openat", "openat2", "creat", "newfstatat", "statx", "socket", "connect", "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "setrlimit", "seccomp", "tkill"];
    for (const name of denied) expect([name, call(name)]).toEqual([name, EPERM]);
    // mount 165, unshare 272, setns 308, bpf 321, keyctl 250, io_uring_setup 425, open_by_handle_at 304, memfd_create 319
    for (const nr of [165, 272, 308, 321, 250, 425, 304, 319]) expect([nr, call(nr)]).toEqual([nr, EPERM]);
  });

  test("every number the filter does not name is EPERM, except clone3 which is ENOSYS so libc falls back to clone", () => {
    const named = new Set([...ALLOWED, "clone", "kill", "tgkill", "prctl", "ioctl", "prlimit64", "sendto"].map((n) => X86_64.nr[n as SyscallName]));
    for (let nr = 0; nr < 512; nr++) {
      if (named.has(nr)) continue;
      expect([nr, call(nr)]).toEqual([nr, nr === X86_64.nr.clone3 ? ENOSYS : EPERM]);
    }
  });

  test("clone makes threads only: fork-like flags and namespaces are refused", () => {
    expect(call("clone", 17n)).toBe(EPERM); // SIGCHLD: what fork() passes
    expect(call("clone", 0x4111n)).toBe(EPERM); // CLONE_VM|CLONE_VFORK|SIGCHLD: posix_spawn
    expect(call("clone", THREAD | 0x40000000n)).toBe(EPERM); // + CLONE_NEWNET
    expect(call("clone", THREAD | 0x20000n)).toBe(EPERM); // + CLONE_NEWNS
  });

  test("signals go to this process only", () => {
    expect(call("kill", PID, 9)).toBe(ALLOW);
    expect(call("tgkill", PID, PID + 1, 10)).toBe(ALLOW);
    expect(call("kill", 1, 9)).toBe(EPERM);
    expect(call("kill", 0, 9)).toBe(EPERM); // its process group, which holds the node
    expect(call("kill", -1, 9)).toBe(EPERM);
    expect(call("tgkill", PID + 1, PID + 1, 9)).toBe(EPERM);
  });

  test("prctl, ioctl, prlimit64 and sendto are allowed only in their harmless forms", () => {
    expect(call("prctl", 15, 0)).toBe(ALLOW); // PR_SET_NAME
    expect(call("prctl", 4, 1)).toBe(EPERM); // PR_SET_DUMPABLE
    expect(call("prctl", 38, 0)).toBe(EPERM); // PR_SET_NO_NEW_PRIVS (already set)
    expect(call("ioctl", 0, 0x5401)).toBe(ALLOW); // TCGETS
    expect(call("ioctl", 0, 0x5412)).toBe(EPERM); // TIOCSTI: typing into a terminal
    expect(call("prlimit64", 0, 0, 0, 0x7fff0000)).toBe(ALLOW); // read its own CPU limit
    expect(call("prlimit64", 0, 0, 0x7fff0000, 0)).toBe(EPERM); // raise it
    expect(call("prlimit64", 0, 0, 0x1_0000_0000n, 0)).toBe(EPERM); // a pointer whose low word is 0
    expect(call("prlimit64", 1, 0, 0, 0x7fff0000)).toBe(EPERM); // another process's
    expect(call("sendto", 1, 0x1000, 10, 0, 0, 0)).toBe(ALLOW);
    expect(call("sendto", 1, 0x1000, 10, 0, 0x2000, 16)).toBe(EPERM);
  });

  test("another ABI's calls end the process: x32 numbers and i386", () => {
    expect(call(0x40000000 + 2)).toBe(KILL); // x32 open
    const filter = runnerFilter(X86_64, PID);
    expect(decide(filter, { nr: 5, arch: 0x40000003 })).toBe(KILL); // AUDIT_ARCH_I386: 5 is open there
  });
});

describe("the runner's seccomp policy on aarch64", () => {
  const call = verdicts(AARCH64);

  test("the same decisions with aarch64's numbers", () => {
    expect(call("read")).toBe(ALLOW);
    expect(call("openat")).toBe(EPERM);
    expect(call("socket")).toBe(EPERM);
    expect(call("clone", THREAD)).toBe(ALLOW);
    expect(call("clone", 17n)).toBe(EPERM);
    expect(call("clone3")).toBe(ENOSYS);
    expect(call("kill", PID, 9)).toBe(ALLOW);
    expect(call("kill", 1, 9)).toBe(EPERM);
    const filter = runnerFilter(AARCH64, PID);
    expect(decide(filter, { nr: 63, arch: X86_64.auditArch })).toBe(KILL);
  });
});
