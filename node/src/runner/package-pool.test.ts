import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PackageSet } from "@medusa/core/packages";
import type { RunnableProgram } from "@medusa/core/program";
import { TestGateway } from "@medusa/testing/node-gateway";
import { buildWheel, bundledPyodideInfo, pinned, testWheels } from "@medusa/testing/wheels";
import { WheelCache } from "../packages/wheel-cache.ts";
import { parseRunnerArgs } from "./runner-main.ts";
import type { RunnerPool } from "./runner-pool.ts";
import { testPool } from "../../test/runner-pool.ts";

/**
 * Jobs with packages on a real pool: runners that load the job's wheels
 * (from a stand-in gateway, through the node's wheel cache) before they
 * confine themselves, and are reused only for the same package set.
 */
const SLOW = 90_000;

describe("python runners with packages", () => {
  const { base, top } = testWheels();
  const own = buildWheel({ name: "medusa-own", version: "0.1", files: { "medusa_own/__init__.py": "from medusa_top import score\n\ndef twice(x):\n    return 2 * score(x)\n" } });
  let gateway: TestGateway;
  let dir: string;
  let pool: RunnerPool;
  let sparePid: number;
  let abiVersion: string;
  let jobs = 0;
  const job = (source: string, packages?: PackageSet, affinity?: string) => {
    const program: RunnableProgram = { runtime: "python", source, ...(packages ? { packages } : {}) };
    return { jobId: `pkg-job-${++jobs}`, program, timeoutMs: 30_000, ...(affinity ? { affinity } : {}) };
  };
  const pidOf = (jobId: string) => pool.runnerInfo().find((r) => r.jobId === jobId)?.pid;

  beforeAll(async () => {
    abiVersion = (await bundledPyodideInfo()).abi_version;
    gateway = new TestGateway("node-secret");
    gateway.files.set(`/v1/packages/files/${base.fileName}`, base.bytes);
    gateway.files.set(`/v1/packages/files/${top.fileName}`, top.bytes);
    gateway.files.set(`/v1/packages/wheels/${own.sha256}`, own.bytes);
    dir = mkdtempSync(join(tmpdir(), "package-pool-"));
    const packages = new WheelCache({ gatewayUrl: gateway.httpUrl, token: gateway.token, dir, abiVersion });
    pool = testPool({ slots: 4, warmPython: 1, memoryCapMb: 700, packages });
    await pool.start();
    sparePid = pool.runnerInfo()[0]!.pid;
  }, SLOW);
  afterAll(async () => {
    await pool?.close();
    gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const both = (): PackageSet => ({ abiVersion, wheels: [pinned(base), pinned(top)] });
  const SCORE = "import medusa_top, medusa_base\n\ndef map(x):\n    return [medusa_top.score(x), medusa_base.SCALE]\n";

  test("a job importing a package and its dependency gets them in a runner of its own, confined, not the spare", async () => {
    const withBoth = job(SCORE, both(), "owner-and-program");
    expect(await pool.run(withBoth, { task: "map", items: [1, 2] })).toEqual({ ok: true, results: [[11, 10], [21, 10]] });
    const pid = pidOf(withBoth.jobId);
    expect(pid).toBeDefined();
    expect(pid).not.toBe(sparePid);
    // The spare stays a spare: it confined itself at start and could load nothing now.
    expect(pool.runnerInfo().find((r) => r.pid === sparePid)?.jobId).toBeUndefined();
    // Python runs only confined here (no allowUnsandboxedPython): the wheel it loaded cannot be opened again from the program.
    expect(pool.sandbox.level).toBe("os-sandbox");
    const path = join(dir, base.sha256, base.fileName);
    const probe = job(`import medusa_base\nfrom pyodide.code import run_js\n\ndef map(x):\n    try:\n        return "read " + str(run_js('process.getBuiltinModule("fs").readFileSync(${JSON.stringify(path)}).length'))\n    except BaseException as e:\n        return "refused: " + str(e)\n`, { abiVersion, wheels: [pinned(base)] });
    const out = await pool.run(probe, { task: "map", items: [0] });
    expect(out).toEqual({ ok: true, results: [expect.stringContaining("EPERM")] });
  }, SLOW);

  test("runners are reused only for the same package set", async () => {
    const first = job(SCORE, both(), "shared-affinity");
    expect((await pool.run(first, { task: "map", items: [3] })).ok).toBe(true);
    const firstPid = pidOf(first.jobId)!;
    // Same affinity, no packages: it must not take the runner that holds {base, top}.
    const plain = job("def map(x):\n    return x\n", undefined, "shared-affinity");
    expect(await pool.run(plain, { task: "map", items: [7] })).toEqual({ ok: true, results: [7] });
    expect(pidOf(plain.jobId)).not.toBe(firstPid);
    // Same affinity, another set ({base} alone): not that runner either.
    const other = job("import medusa_base\n\ndef map(x):\n    return medusa_base.scale(x)\n", { abiVersion, wheels: [pinned(base)] }, "shared-affinity");
    expect(await pool.run(other, { task: "map", items: [4] })).toEqual({ ok: true, results: [40] });
    expect(pidOf(other.jobId)).not.toBe(firstPid);
    expect(pidOf(first.jobId)).toBe(firstPid);
    // Same affinity and the same set: it takes over the idle runner, packages and program loaded.
    const sibling = job(SCORE, both(), "shared-affinity");
    expect(await pool.run(sibling, { task: "map", items: [5] })).toEqual({ ok: true, results: [[51, 10]] });
    expect(pidOf(sibling.jobId)).toBe(firstPid);
  }, SLOW);

  test("an uploaded wheel is unpacked after the runner confined itself, and imports, beside mirror packages it uses", async () => {
    const upload = job("import medusa_own\n\ndef map(x):\n    return medusa_own.twice(x)\n", { abiVersion, wheels: [pinned(base), pinned(top), pinned(own, "upload")] });
    expect(await pool.run(upload, { task: "map", items: [0, 4] })).toEqual({ ok: true, results: [2, 82] });
    expect(gateway.fileRequests).toContain(`/v1/packages/wheels/${own.sha256}`);
  }, SLOW);

  test("a wheel whose bytes do not match its pin is refused: no runner starts, and later chunks fail at once", async () => {
    const fake = { ...pinned(base), fileName: "medusa_base-6.6.6-py3-none-any.whl", sha256: "ab".repeat(32) };
    gateway.files.set(`/v1/packages/files/${fake.fileName}`, base.bytes);
    const tampered = job("import medusa_base\n\ndef map(x):\n    return x\n", { abiVersion, wheels: [fake] });
    const runners = pool.runnerInfo().length;
    const outcome = await pool.run(tampered, { task: "map", items: [1] });
    expect(outcome).toEqual({ ok: false, error: { message: expect.stringContaining(`not the ${fake.sha256} the job pinned; refused, nothing of this job runs here`) } });
    expect(pool.runnerInfo().filter((r) => r.jobId === tampered.jobId)).toEqual([]);
    expect(pool.runnerInfo().length).toBeLessThanOrEqual(runners);
    const requests = gateway.fileRequests.length;
    expect(await pool.run(tampered, { task: "map", items: [2] })).toEqual(outcome);
    expect(gateway.fileRequests.length).toBe(requests);
  }, SLOW);
});

test("a runner takes its wheels as --packages JSON, absolute paths only", () => {
  const { base } = testWheels();
  const wheels = [{ ...pinned(base), path: "/cache/packages/x.whl" }];
  expect(parseRunnerArgs(["python", "--packages", JSON.stringify({ wheels })])).toEqual({ runtime: "python", opts: { packages: { wheels } } });
  const bad = { error: "--packages must be the JSON of a RunnerPackages" };
  expect(parseRunnerArgs(["python", "--packages", "{not json"])).toEqual(bad);
  expect(parseRunnerArgs(["python", "--packages", JSON.stringify({ wheels: [{ ...wheels[0], path: "x.whl" }] })])).toEqual(bad);
  expect(parseRunnerArgs(["python", "--packages", JSON.stringify({ wheels: [] })])).toEqual(bad);
});
