import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PinnedPythonProgram } from "@medusa/core/program";
import { bundledPyodideInfo, pinned, testWheels } from "@medusa/testing/wheels";
import { ERRNO_EPERM, hostile, libcCalls } from "./hostile.ts";
import { RedTeamNode, type Report, results, SECRET, START_MS } from "./harness.ts";

/**
 * Red team, part 1: Python programs that escape to JavaScript and reach for
 * the node's secrets, the host's files, the network and other processes.
 * Each test names what stops it. Runs against the compiled node executable.
 */
const SLOW = 120_000;
const fs = (expr: string) => `(() => { const fs = process.getBuiltinModule("fs"); return ${expr}; })()`;

describe.skipIf(process.platform !== "linux")("red team: escapes from Python", () => {
  let node: RedTeamNode;
  beforeAll(async () => {
    node = await RedTeamNode.start();
  }, START_MS);
  afterAll(async () => {
    try {
      // Whatever ran, nothing got out: no file, no connection, no process.
      expect(existsSync(node.tripwires.marker)).toBe(false);
      expect(node.tripwires.connections()).toBe(0);
      expect(node.descendants().others).toEqual([]);
    } finally {
      await node.stop();
    }
  });

  test("the node reports the OS sandbox in its hello", () => {
    expect(node.hello).toMatchObject({ sandbox: "os-sandbox", runtimes: ["python", "wasi"] });
    expect(node.log.some((l) => l.startsWith("[node] sandbox: os-sandbox (seccomp allowlist on all threads"))).toBe(true);
    // It made its Pyodide snapshot before starting any runner: every runner attacked here restores from it.
    expect(node.log.some((l) => l.startsWith("[node] Python snapshot made in"))).toBe(true);
  });

  test("Python reaches JavaScript by every door: js, pyodide_js, run_js, constructor.constructor", async () => {
    const program = hostile(`
@probe
def via_js():
    import js
    return js.process.pid
@probe
def via_pyodide_js():
    import pyodide_js
    return pyodide_js.runPython.constructor("return process.pid")()
@probe
def via_run_js():
    return run_js("process.pid")
@probe
def via_constructor():
    import js
    return js.Object.constructor.constructor("return process.pid")()
`);
    const out = results(await node.run(program, [{ py: ["via_js", "via_pyodide_js", "via_run_js", "via_constructor"] }]));
    const [runner] = node.descendants().runners.filter((pid) => out.via_js === `ok: ${pid}`);
    // Each door led to the runner's own JavaScript: it is real, so the OS sandbox must be what holds.
    expect(runner).toBeDefined();
    expect(readFileSync(`/proc/${runner}/cmdline`, "utf8").split("\0")).toContain("--snapshot");
    expect(out).toEqual({ via_js: `ok: ${runner}`, via_pyodide_js: `ok: ${runner}`, via_run_js: `ok: ${runner}`, via_constructor: `ok: ${runner}` });
  }, SLOW);

  test("the node's token in its environment: stopped by the runner's empty environment and seccomp (EPERM on open of /proc/*/environ)", async () => {
    const program = hostile(`
@probe
def python_environ():
    return json.dumps(dict(os.environ))
`);
    const report = await node.run(program, [
      {
        py: ["python_environ"],
        js: {
          "process.env": "JSON.stringify(process.env)",
          "Bun.env": "JSON.stringify(Bun.env)",
          "/proc/self/environ": fs(`fs.readFileSync("/proc/self/environ", "latin1")`),
          "/proc/<node>/environ": fs(`fs.readFileSync("/proc/" + process.ppid + "/environ", "latin1")`),
          "/proc/<node>/cmdline": fs(`fs.readFileSync("/proc/" + process.ppid + "/cmdline", "latin1")`),
        },
      },
    ]);
    const out = results(report);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(out["process.env"]).toBe("ok: {}");
    expect(out["Bun.env"]).toBe("ok: {}");
    // Pyodide's own made-up environment (HOME=/home/pyodide…), not the host's.
    expect(out.python_environ).toContain("/home/pyodide");
    for (const path of ["/proc/self/environ", "/proc/<node>/environ", "/proc/<node>/cmdline"]) expect(out[path]).toContain("EPERM: operation not permitted, open");
  }, SLOW);

  test("/etc/passwd and the node's own files: stopped by Pyodide's in-memory filesystem (Python) and seccomp EPERM (JavaScript, libc)", async () => {
    const secretFile = join(node.home, "node-token.txt");
    const program = hostile(`
@probe
def python_open():
    return open("/etc/passwd").read()
@probe
def python_open_node_file():
    return open(${JSON.stringify(secretFile)}).read()
`);
    const report = await node.run(program, [
      {
        py: ["python_open", "python_open_node_file"],
        js: {
          "fs /etc/passwd": fs(`fs.readFileSync("/etc/passwd", "utf8")`),
          "fs node's token file": fs(`fs.readFileSync(${JSON.stringify(secretFile)}, "utf8")`),
          "fs node's settings dir": fs(`fs.readdirSync(${JSON.stringify(node.home)})`),
          "fs stat": fs(`fs.statSync("/etc/passwd").size`),
          // A descriptor the node left open would be a way around open(): there is none past the runtime's own.
          "inherited descriptors": fs(`[...Array(64).keys()].filter((fd) => { try { fs.fstatSync(fd); return true; } catch { return false; } }).join(",")`),
          libc: libcCalls({ "open /etc/passwd": `libc.open(cstr("/etc/passwd"), 0, 0)`, "open token": `libc.open(cstr(${JSON.stringify(secretFile)}), 0, 0)` }),
        },
      },
    ]);
    const out = results(report);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(JSON.stringify(report)).not.toContain("root:x:0:0");
    expect(out.python_open).toStartWith("refused: FileNotFoundError");
    expect(out.python_open_node_file).toStartWith("refused: FileNotFoundError");
    for (const name of ["fs /etc/passwd", "fs node's token file", "fs node's settings dir", "fs stat"]) expect([name, out[name]]).toEqual([name, expect.stringContaining("EPERM")]);
    expect(JSON.parse(out.libc!.slice(4))).toEqual({ "open /etc/passwd": ERRNO_EPERM, "open token": ERRNO_EPERM });
    // 0-2 are the parent's pipes, then the runtime's event loop descriptors: no file, no socket of the node's.
    expect(out["inherited descriptors"]).toMatch(/^ok: 0,1,2(,\d+)*$/);
  }, SLOW);

  test("with packages loaded before confinement, a program is as confined: no file (not even the wheel it loaded), no socket", async () => {
    const { base, top } = testWheels();
    for (const w of [base, top]) node.gateway.files.set(`/v1/packages/files/${w.fileName}`, w.bytes);
    const secretFile = join(node.home, "node-token.txt");
    const wheel = join(node.home, ".cache/medusa-node/packages", top.sha256, top.fileName);
    const program: PinnedPythonProgram = {
      ...(hostile(`
@probe
def imports():
    import medusa_top
    return medusa_top.score(4)
@probe
def python_socket():
    import socket
    s = socket.create_connection(("127.0.0.1", ${node.tripwires.port}), timeout=1)
    s.sendall(b"x")
    return s.recv(1)
`) as PinnedPythonProgram),
      packages: { abiVersion: (await bundledPyodideInfo()).abi_version, wheels: [pinned(base), pinned(top)] },
    };
    const report = await node.run(program, [
      {
        py: ["imports", "python_socket"],
        js: {
          "fs node's token file": fs(`fs.readFileSync(${JSON.stringify(secretFile)}, "utf8")`),
          "fs the loaded wheel": fs(`fs.readFileSync(${JSON.stringify(wheel)}).length`),
          "fs write": fs(`fs.writeFileSync(${JSON.stringify(node.tripwires.marker)}, "pwned")`),
          libc: libcCalls({ "open token": `libc.open(cstr(${JSON.stringify(secretFile)}), 0, 0)`, socket: "libc.socket(2, 1, 0)" }),
        },
      },
    ]);
    const out = results(report);
    // The packages are there: the node fetched, checked and cached them, and the runner loaded them before it confined itself.
    expect(out.imports).toBe("ok: 41");
    expect(existsSync(wheel)).toBe(true);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    for (const name of ["fs node's token file", "fs the loaded wheel", "fs write"]) expect([name, out[name]]).toEqual([name, expect.stringContaining("EPERM")]);
    expect(JSON.parse(out.libc!.slice(4))).toEqual({ "open token": ERRNO_EPERM, socket: ERRNO_EPERM });
    expect(out.python_socket).toStartWith("refused: ");
    expect(existsSync(node.tripwires.marker)).toBe(false);
    expect(node.tripwires.connections()).toBe(0);
  }, SLOW);
});
