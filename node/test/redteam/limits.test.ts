import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ERRNO_EPERM, hostile, libcCalls } from "./hostile.ts";
import { failure, RedTeamNode, type Report, results, START_MS } from "./harness.ts";

/**
 * Red team, part 3: programs that try to exhaust the volunteer's computer —
 * processes, memory, CPU, output. The node runs 2 slots with a 512 MB cap per
 * runner. Each test names what stops it, and the node must stay small and
 * keep serving. Runs against the compiled node executable.
 */
const SLOW = 120_000;
/** The node itself must not balloon with what its runners do. */
const NODE_RSS_LIMIT_MB = 400;

describe.skipIf(process.platform !== "linux")("red team: exhausting the volunteer's computer", () => {
  let node: RedTeamNode;
  beforeAll(async () => {
    node = await RedTeamNode.start();
  }, START_MS);
  afterAll(async () => {
    try {
      expect(node.descendants().others).toEqual([]);
      expect(node.rssMb()).toBeLessThan(NODE_RSS_LIMIT_MB);
    } finally {
      await node.stop();
    }
  });

  test("a fork bomb (os.fork, Bun.spawn, libc fork, 200 times each): stopped by seccomp (clone without CLONE_THREAD is EPERM)", async () => {
    const program = hostile(`
@probe
def python_fork_bomb():
    while True:
        os.fork()
`);
    const js = `(() => { let refused = 0; for (let i = 0; i < 200; i++) { try { Bun.spawn(["/bin/sh", "-c", "sleep 60"]); } catch (e) { if (e.code === "EPERM") refused++; } } return refused; })()`;
    const libc = `(() => { const calls = []; for (let i = 0; i < 200; i++) calls.push(${libcCalls({ fork: "libc.fork()" })}); return new Set(calls).size + " " + calls[0]; })()`;
    const out = results(await node.run(program, [{ py: ["python_fork_bomb"], js: { "Bun.spawn": js, "libc fork": libc } }]));
    expect(out.python_fork_bomb).toStartWith("refused: OSError");
    expect(out["Bun.spawn"]).toBe("ok: 200");
    expect(out["libc fork"]).toBe(`ok: 1 ${JSON.stringify({ fork: ERRNO_EPERM })}`);
    expect(node.descendants().others).toEqual([]);
  }, SLOW);

  // The pool polls RSS every 200 ms; if memory grows past RLIMIT_DATA between two polls, the runtime aborts instead.
  test("a memory bomb in Python: stopped by the pool's RSS cap (SIGKILL at 512 MB) or by RLIMIT_DATA (the runtime aborts: SIGABRT), whichever comes first", async () => {
    const program = { runtime: "python" as const, source: 'def map(x):\n    hoard = []\n    while True:\n        hoard.append(b"x" * 10_000_000)\n' };
    const message = failure(await node.run(program, [1]));
    expect(message).toMatch(/^memory cap of 512 MB exceeded$|^runner exited \(signal SIGABRT\): panic\(main thread\): abort\(\) called$/);
  }, SLOW);

  // Likewise: what JSC maps afresh between two polls meets RLIMIT_DATA, and the allocation fails.
  test("a memory bomb in JavaScript: stopped by the pool's RSS cap (SIGKILL at 512 MB) or by RLIMIT_DATA (RangeError: Out of memory), whichever comes first", async () => {
    const js = `(() => { const hoard = []; while (true) hoard.push(new Uint8Array(100_000_000).fill(1)); })()`;
    const report = await node.run(hostile(), [{ js: { bomb: js } }]);
    const outcome = report.type === "result" ? results(report).bomb! : report.error.message;
    expect(outcome).toMatch(/^refused: JsException: RangeError: Out of memory|^memory cap of 512 MB exceeded$/);
  }, SLOW);

  test("an infinite loop: stopped by the chunk's wall-clock timeout (SIGKILL)", async () => {
    const program = { runtime: "python" as const, source: "def map(x):\n    while True:\n        pass\n" };
    expect(failure(await node.run(program, [1], 3000))).toBe("timed out after 3000ms");
  }, SLOW);

  test("a loop left running in a thread after the chunk returned: stopped by the pool's CPU check between chunks", async () => {
    const spin = `(() => { new Worker(URL.createObjectURL(new Blob(["for (;;) {}"]))); return process.pid; })()`;
    const jobId = node.newJob(hostile());
    const first = results(await node.chunk(jobId, [{ js: { spin } }]));
    const pid = Number(first.spin!.slice(4));
    await Bun.sleep(2500);
    const second = results(await node.chunk(jobId, [{ js: { pid: "process.pid" } }]));
    expect(Number(second.pid!.slice(4))).not.toBe(pid);
    expect(node.descendants().runners).not.toContain(pid);
    expect(node.log.some((l) => l.includes(`runner ${pid} (job ${jobId}): killed, it used CPU between chunks`))).toBe(true);
  }, SLOW);

  test("gigabytes from print(): stopped inside the runner, which keeps only the last 2000 characters of program output", async () => {
    const program = { runtime: "python" as const, source: 'def map(x):\n    line = "x" * 1_000_000\n    for _ in range(2000):\n        print(line)\n    return "printed 2 GB"\n' };
    const report = await node.run(program, [1], 60_000);
    expect(report).toMatchObject({ type: "result", results: ["printed 2 GB"] });
    expect(node.rssMb()).toBeLessThan(NODE_RSS_LIMIT_MB);
  }, SLOW);

  test("gigabytes written straight to the protocol pipe (fd 1): stopped by the node's line cap (the 16 MiB result limit), which kills the runner", async () => {
    // The pipe is non-blocking: keep writing through EAGAIN until 2 GiB have gone out.
    const flood = `(() => {
      const fs = process.getBuiltinModule("fs");
      const block = Buffer.alloc(1 << 24, 120);
      for (let sent = 0; sent < 2 ** 31; ) { try { sent += fs.writeSync(1, block); } catch (e) { if (e.code !== "EAGAIN") throw e; } }
    })()`;
    const message = failure(await node.run(hostile(), [{ js: { flood } }]));
    expect(message).toBe("runner output exceeds the 16 MiB limit on a result");
    expect(node.rssMb()).toBeLessThan(NODE_RSS_LIMIT_MB);
  }, SLOW);

  test("gigabytes to stderr: stopped by the node's 1 MiB stderr cap per request, which kills the runner", async () => {
    const flood = `(() => { const fs = process.getBuiltinModule("fs"); const block = Buffer.alloc(1 << 20, 120); for (let i = 0; i < 2048; i++) fs.writeSync(2, block); })()`;
    const message = failure(await node.run(hostile(), [{ js: { flood } }]));
    expect(message).toBe("runner wrote more than 1 MiB to stderr");
  }, SLOW);

  test("after all that the node still runs chunks", async () => {
    expect(await node.healthy()).toBe(true);
  }, SLOW);
});
