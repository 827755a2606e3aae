import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { isRunning } from "../../test/runner-pool.ts";
import { until } from "@medusa/testing/until";
import { wasiProgram } from "@medusa/testing/wat-fixtures";
import { failure, RedTeamNode, type Report, START_MS } from "./harness.ts";
import { hostileWasi, PROBE_CALLS } from "./hostile-wasi.ts";

/**
 * Red team, part 4: WASI modules. A module reaches the host only through the
 * imports our WASI host gives it, so each test names which of them (or
 * which limit) stops it. Runs against the compiled node executable.
 */
const SLOW = 120_000;
const ENOSYS = 52;
const EBADF = 8;

describe.skipIf(process.platform !== "linux")("red team: hostile WASI modules", () => {
  let node: RedTeamNode;
  beforeAll(async () => {
    node = await RedTeamNode.start();
  }, START_MS);
  afterAll(async () => {
    try {
      expect(existsSync(node.tripwires.marker)).toBe(false);
      expect(node.tripwires.connections()).toBe(0);
      expect(node.descendants().others).toEqual([]);
    } finally {
      await node.stop();
    }
  });

  test("files, sockets, signals and foreign descriptors through every preview1 import: stopped by the WASI host, which implements none of them (ENOSYS, EBADF)", async () => {
    const report = await node.run(await hostileWasi("probe"), ["go"]);
    if (report.type !== "result") throw new Error(`chunk failed: ${report.error.message}`);
    const [codes] = report.results as number[][];
    const answers = Object.fromEntries(PROBE_CALLS.map((call, i) => [call, codes![i]]));
    expect(answers).toEqual({
      "path_open from fd 3": ENOSYS,
      "path_open from stdin": ENOSYS,
      "fd_prestat_get 3": EBADF,
      "path_unlink_file": ENOSYS,
      "fd_readdir 3": ENOSYS,
      "sock_accept 3": ENOSYS,
      "sock_send 3": ENOSYS,
      "sock_recv 3": ENOSYS,
      "sock_shutdown 3": ENOSYS,
      "proc_raise SIGKILL": ENOSYS,
      "fd_read fd 5": EBADF,
      "fd_write fd 7": EBADF,
      "environ count": 0,
    });
  }, SLOW);

  test("a host function the sandbox does not give (env.system): stopped when the job loads, by the import check", async () => {
    expect(failure(await node.run(await wasiProgram("foreignImport"), [1]))).toBe("module imports what the sandbox does not provide: env.system");
  }, SLOW);

  test("gigabytes to stdout: stopped by the WASI host's stdout cap (the 16 MiB result limit)", async () => {
    expect(failure(await node.run(await hostileWasi("flood"), [1]))).toBe("stdout exceeds cap of 16 MiB");
    expect(node.rssMb()).toBeLessThan(400);
  }, SLOW);

  test("a memory bomb (memory.grow and touch, 1 MiB at a time): stopped by the pool's RSS cap (SIGKILL at 512 MB)", async () => {
    expect(failure(await node.run(await hostileWasi("memoryBomb"), [1]))).toBe("memory cap of 512 MB exceeded");
  }, SLOW);

  test("an endless loop: stopped by the chunk's wall-clock timeout (SIGKILL)", async () => {
    expect(failure(await node.run(await wasiProgram("loop"), [1], 2000))).toBe("timed out after 2000ms");
  }, SLOW);

  test("after all that the node still runs chunks", async () => {
    expect(await node.run(await wasiProgram("echo"), [{ a: 1 }])).toMatchObject({ type: "result", results: [{ a: 1 }] });
    expect(await node.healthy()).toBe(true);
  }, SLOW);

  test("a node killed outright takes its runners with it (PR_SET_PDEATHSIG): a runaway module cannot outlive it", async () => {
    const jobId = node.newJob(await wasiProgram("loop"), 60_000);
    const orphaned = node.chunk(jobId, [1], 5000).catch(() => "no report: the node is gone");
    await Bun.sleep(1500);
    const runners = node.descendants().runners;
    expect(runners.length).toBeGreaterThan(0);
    node.proc.kill("SIGKILL");
    await node.proc.exited;
    await until(() => runners.every((pid) => !isRunning(pid)), 5000);
    expect(await orphaned).toBe("no report: the node is gone");
  }, SLOW);
});
