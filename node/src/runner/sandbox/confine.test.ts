import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real process confines itself with confine() and then tries what a
 * runner must not do; the kernel's answers come back as JSON. What the
 * runner and the pool do with it is tested in test/redteam.
 */
const marker = join(tmpdir(), `medusa-confine-${process.pid}`);
const CHILD = `
import { confine } from ${JSON.stringify(join(import.meta.dir, "confine.ts"))};
import { openLibc } from ${JSON.stringify(join(import.meta.dir, "libc.ts"))};
import * as fs from "node:fs";
const libc = openLibc();
const confinement = confine({ cpuSeconds: 30, memoryMb: 256 });
const out = {};
const attempt = async (name, f) => {
  try { out[name] = "ok: " + String(await f()).slice(0, 60); } catch (e) { out[name] = e.code ?? String(e.message ?? e).slice(0, 60); }
};
await attempt("read /etc/hostname", () => fs.readFileSync("/etc/hostname", "utf8"));
await attempt("write a file", () => fs.writeFileSync(${JSON.stringify(marker)}, "escaped"));
await attempt("stat /etc/passwd", () => fs.statSync("/etc/passwd").size);
await attempt("spawn", () => Bun.spawnSync(["/bin/true"]).exitCode);
await attempt("signal the parent", () => process.kill(process.ppid, 0));
await attempt("signal itself", () => process.kill(process.pid, 0));
await attempt("fetch", () => fetch("http://127.0.0.1:9/").then((r) => r.status));
await attempt("raise RLIMIT_CPU", () => { if (libc.setrlimit(0, 100000n, 100000n) !== 0) throw { code: "errno " + libc.errno() }; return "raised"; });
await attempt("a worker thread", () => new Promise((resolve) => { const w = new Worker(URL.createObjectURL(new Blob(["postMessage(6 * 7)"]))); w.onmessage = (e) => { resolve(e.data); w.terminate(); }; }));
await attempt("allocate 64 MB", () => new Uint8Array(64 << 20).fill(1).length);
await attempt("allocate 2 GB", () => new Uint8Array(2 * 1024 ** 3).fill(1).length);
console.log(JSON.stringify({ confinement, out }));
for await (const _ of Bun.stdin.stream()) {}
`;

afterAll(() => rmSync(marker, { force: true }));

describe.skipIf(process.platform !== "linux")("confine() on this kernel", () => {
  test("after confine() the process can compute, allocate within its limit and start threads, and nothing else", async () => {
    const child = Bun.spawn([process.execPath, "-e", CHILD], { env: {}, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    try {
      const reader = child.stdout.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`child ended: ${await new Response(child.stderr).text()}`);
        text += new TextDecoder().decode(value);
      }
      const { confinement, out } = JSON.parse(text);
      expect(confinement.os).toBe(true);
      expect(out).toEqual({
        "read /etc/hostname": "EPERM",
        "write a file": "EPERM",
        "stat /etc/passwd": "EPERM",
        "spawn": "EPERM",
        "signal the parent": "EPERM",
        "signal itself": "ok: true",
        "fetch": "EPERM",
        "raise RLIMIT_CPU": "errno 1",
        "a worker thread": "ok: 42",
        "allocate 64 MB": "ok: 67108864",
        "allocate 2 GB": expect.stringMatching(/Out of memory/i),
      });
      expect(existsSync(marker)).toBe(false);
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(status).toMatch(/^Seccomp:\s+2$/m);
      const limits = readFileSync(`/proc/${child.pid}/limits`, "utf8");
      expect(limits).toMatch(/^Max file size\s+0\s+0\s+bytes/m);
      expect(limits).toMatch(/^Max cpu time\s+30\s+35\s+seconds/m);
      expect(limits).toMatch(/^Max core file size\s+0\s+0/m);
    } finally {
      child.kill();
      await child.exited;
    }
  });
});
