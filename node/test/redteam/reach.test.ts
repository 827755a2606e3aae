import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { ERRNO_EPERM, hostile, libcCalls } from "./hostile.ts";
import { RedTeamNode, type Report, results, START_MS } from "./harness.ts";

/**
 * Red team, part 2: reaching out of the runner — sockets, processes, native
 * code — and into another job. Each test names what stops it. Runs against
 * the compiled node executable.
 */
const SLOW = 120_000;

describe.skipIf(process.platform !== "linux")("red team: reaching out of the runner", () => {
  let node: RedTeamNode;
  let marker: string;
  beforeAll(async () => {
    node = await RedTeamNode.start();
    marker = node.tripwires.marker;
  }, START_MS);
  afterAll(async () => {
    try {
      expect(existsSync(marker)).toBe(false);
      expect(node.tripwires.connections()).toBe(0);
      expect(node.descendants().others).toEqual([]);
    } finally {
      await node.stop();
    }
  });

  test("a socket to 127.0.0.1:6379 and to a listening tripwire, from Python's socket module, fetch, Bun.connect, net and libc: stopped by seccomp (EPERM on socket)", async () => {
    const { port } = node.tripwires;
    const program = hostile(`
@probe
def python_socket():
    # Emscripten's socket layer hands this to a WebSocket on the host (require("ws")).
    import socket
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=1)
    s.sendall(b"ping")
    return s.recv(16)
@probe
def python_open_url():
    from pyodide.http import open_url
    return open_url("http://127.0.0.1:${port}/").read()
`);
    // fetch and Bun.connect answer later: the first chunk starts them, the second reads how they ended.
    const start = `globalThis.dials = Promise.allSettled([
      fetch("http://127.0.0.1:6379/"),
      fetch("http://127.0.0.1:${port}/"),
      Bun.connect({ hostname: "127.0.0.1", port: ${port}, socket: { data() {} } }),
      new Promise((ok, fail) => process.getBuiltinModule("net").connect(${port}, "127.0.0.1", ok).on("error", fail)),
    ]).then((all) => (globalThis.dialed = all.map((r) => r.status === "fulfilled" ? "connected" : String(r.reason?.code ?? r.reason))));
    "started"`;
    const jobId = node.newJob(program);
    const first = results(await node.chunk(jobId, [{ py: ["python_socket", "python_open_url"], js: { start, libc: libcCalls({ socket: "libc.socket(2, 1, 0)" }) } }]));
    await Bun.sleep(500);
    const second = results(await node.chunk(jobId, [{ js: { dialed: "JSON.stringify(globalThis.dialed)" } }]));
    expect(first.python_socket).toStartWith("refused: ");
    expect(first.python_open_url).toStartWith("refused: ");
    expect(JSON.parse(first.libc!.slice(4))).toEqual({ socket: ERRNO_EPERM });
    // fetch says EPERM; Bun's socket layer reports the refused socket() as ECONNREFUSED. None connected.
    expect(JSON.parse(second.dialed!.slice(4))).toEqual(["EPERM", "EPERM", "ECONNREFUSED", "ECONNREFUSED"]);
    expect(node.tripwires.connections()).toBe(0);
  }, SLOW);

  test("spawning a process (subprocess, os.system, fork, Bun.spawn, child_process, libc fork/execve): stopped by Pyodide (no processes in WebAssembly) and seccomp EPERM", async () => {
    const program = hostile(`
@probe
def python_subprocess():
    import subprocess
    return subprocess.run(["touch", ${JSON.stringify(marker)}])
@probe
def python_os_system():
    return os.system("touch ${marker}")
@probe
def python_fork():
    return os.fork()
`);
    const out = results(
      await node.run(program, [
        {
          py: ["python_subprocess", "python_os_system", "python_fork"],
          js: {
            // Absolute paths: the runner's environment has no PATH to search.
            "Bun.spawnSync": `Bun.spawnSync(["/bin/sh", "-c", "touch ${marker}"]).exitCode`,
            "Bun.spawn": `Bun.spawn(["/bin/sh", "-c", "touch ${marker}"]).pid`,
            "child_process.execSync": `process.getBuiltinModule("child_process").execSync("touch ${marker}").toString()`,
            libc: libcCalls({ fork: "libc.fork()", execve: `libc.execve(cstr("/usr/bin/touch"), null, null)` }),
          },
        },
      ]),
    );
    expect(out.python_subprocess).toStartWith("refused: ");
    // Pyodide's os.system really calls child_process.spawnSync on the host; seccomp makes it fail.
    expect(out.python_os_system).toMatch(/^ok: [1-9]\d*$/);
    expect(out.python_fork).toStartWith("refused: ");
    for (const name of ["Bun.spawnSync", "Bun.spawn", "child_process.execSync"]) expect([name, out[name]]).toEqual([name, expect.stringContaining("EPERM")]);
    expect(JSON.parse(out.libc!.slice(4))).toEqual({ fork: ERRNO_EPERM, execve: ERRNO_EPERM });
    expect(existsSync(marker)).toBe(false);
  }, SLOW);

  test("ctypes and its JavaScript twin bun:ffi: Python's ctypes reaches only WebAssembly; bun:ffi reaches real libc, and seccomp answers its calls with EPERM", async () => {
    const program = hostile(`
@probe
def ctypes_libc():
    import ctypes
    return ctypes.CDLL("libc.so.6").system(b"touch ${marker}")
@probe
def ctypes_self():
    import ctypes
    return ctypes.CDLL(None).getpid()
`);
    const libc = libcCalls({
      "ptrace the node": "libc.ptrace(16, process.ppid, null, null)", // PTRACE_ATTACH
      "kill the node": "libc.kill(process.ppid, 9)",
      "kill its process group": "libc.kill(0, 9)",
      "raise its CPU limit": "libc.setrlimit(0, new BigUint64Array([1n << 40n, 1n << 40n]))",
    });
    const out = results(await node.run(program, [{ py: ["ctypes_libc", "ctypes_self"], js: { libc } }]));
    expect(out.ctypes_libc).toStartWith("refused: OSError");
    // Inside WebAssembly getpid is Emscripten's constant, not a host process id.
    expect(out.ctypes_self).toBe("ok: 42");
    expect(JSON.parse(out.libc!.slice(4))).toEqual({
      "ptrace the node": ERRNO_EPERM,
      "kill the node": ERRNO_EPERM,
      "kill its process group": ERRNO_EPERM,
      "raise its CPU limit": ERRNO_EPERM,
    });
    expect(node.proc.exitCode).toBeNull();
  }, SLOW);

  test("one job cannot see another's state: stopped by a runner process per job", async () => {
    const program = hostile(`
import builtins, js
@probe
def stash():
    builtins.stashed = "A's secret"
    js.globalThis.stashed = "A's secret"
    open("/tmp/stashed.txt", "w").write("A's secret")
    return "stashed"
@probe
def look():
    return json.dumps([getattr(builtins, "stashed", None), getattr(js.globalThis, "stashed", None), os.path.exists("/tmp/stashed.txt")])
`);
    const a = results(await node.run(program, [{ py: ["stash", "look"] }]));
    const b = results(await node.run(program, [{ py: ["look"] }]));
    expect(a).toEqual({ stash: "ok: stashed", look: `ok: ["A's secret", "A's secret", true]` });
    expect(b).toEqual({ look: "ok: [null, null, false]" });
  }, SLOW);

  test("after all that the node still runs chunks", async () => {
    expect(await node.healthy()).toBe(true);
  }, SLOW);
});
