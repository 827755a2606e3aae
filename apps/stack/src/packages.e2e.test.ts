import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MirrorListing } from "@medusa/core";
import { until } from "@medusa/testing/until";
import { buildWheel, testMirror, testWheels } from "@medusa/testing/wheels";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * Python packages through the embedded stack, as a consumer meets them: a
 * package mirror (two wheels built here, one needing the other, and one whose
 * file was tampered with after its lock entry was written), jobs and a
 * session that import them on a real node, and a wheel of the consumer's own.
 */
const { base, top } = testWheels();
const victim = buildWheel({ name: "medusa-victim", version: "1.0", files: { "medusa_victim/__init__.py": "VALUE = 1\n" } });
let dir: string;
let stack: Stack;
let alice: MedusaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-packages-"));
  const mirror = await testMirror(join(dir, "mirror"), [base, top, victim]);
  // The lock still pins the original bytes: what a node is served now is not what the job was promised.
  writeFileSync(join(mirror, victim.fileName), buildWheel({ name: "medusa-victim", version: "1.0", files: { "medusa_victim/__init__.py": "VALUE = 666\n" } }).bytes);
  stack = await startStack(
    stackEnv({ MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1", MEDUSA_PYODIDE_PACKAGES_DIR: mirror }),
    () => {},
  );
  const anon = new MedusaClient(stack.url);
  alice = anon.withKey((await anon.signUp("alice@example.com", "alice-password")).apiKey);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const python = (source: string) => ({ runtime: "python" as const, source });

describe("Python packages, end to end", () => {
  test("a job importing a mirror package, and the one it depends on, returns the right results", async () => {
    const job = await alice.submit({
      program: python("import medusa_top\nimport medusa_base\n\ndef map(x):\n    return medusa_top.score(x)\n\ndef reduce(results):\n    return [sum(results), medusa_base.SCALE]\n"),
      input: { range: { start: 0, stop: 10 } },
      chunkSize: 5,
      packages: ["medusa_top"],
    });
    expect((await alice.follow(job.id)).state).toBe("done");
    // score(x) = 10x + 1 over 0..9
    expect(JSON.parse(await alice.resultText(job.id))).toEqual([460, 10]);
  }, 120_000);

  test("a pure-Python wheel of the consumer's own loads beside the mirror's packages", async () => {
    const own = buildWheel({ name: "alice-stats", version: "0.1", files: { "alice_stats/__init__.py": "from medusa_base import scale\n\ndef mean_scaled(xs):\n    return scale(sum(xs) / len(xs))\n" } });
    await alice.upload(`lib/${own.fileName}`, own.bytes);
    const job = await alice.submit({
      program: python("from alice_stats import mean_scaled\n\ndef map(row):\n    return mean_scaled(row)\n"),
      input: { items: [[1, 2, 3], [4, 6]] },
      packages: ["medusa-base"],
      wheels: [`lib/${own.fileName}`],
    });
    expect((await alice.follow(job.id)).state).toBe("done");
    expect(await alice.results(job.id)).toEqual([20, 50]);
  }, 120_000);

  test("a session's setup and steps import its packages", async () => {
    const spec = {
      program: python("import medusa_top\n\ndef setup(items):\n    return [medusa_top.score(x) for x in items]\n\ndef step(state, params):\n    return sum(state) * params['k']\n"),
      input: { items: [1, 2, 3, 4] },
      partitions: 2,
      packages: ["medusa-top"],
    };
    // The local node says hello just after the stack starts; until then no node can hold a session.
    const status = await until(() => alice.createSession(spec).catch((e: unknown) => (e instanceof ApiError && e.status === 503 ? undefined : Promise.reject(e))), 30_000, "a node to hold the session");
    const s = alice.openSession(status.id);
    try {
      await s.ready();
      // Partitions [1, 2] and [3, 4]: scores 11+21 and 31+41.
      expect((await s.round({ k: 2 })).partials).toEqual([64, 144]);
    } finally {
      s.close();
      await alice.endSession(status.id);
    }
  }, 120_000);

  test("a wheel whose bytes do not match the mirror's lock is refused on the node, and nothing of the job runs", async () => {
    const job = await alice.submit({
      program: python("raise RuntimeError('this program must never run')\n\ndef map(x):\n    return x\n"),
      input: { items: [1, 2] },
      packages: ["medusa-victim"],
    });
    const status = await alice.follow(job.id);
    expect(status.state).toBe("failed");
    expect(status.error).toContain(`${victim.fileName} from the gateway has SHA-256`);
    expect(status.error).toContain(`not the ${victim.sha256} the job pinned; refused, nothing of this job runs here`);
    expect(status.error).not.toContain("must never run");
    expect(status.chunks.done).toBe(0);
  }, 120_000);

  test("a package the mirror lacks is a 400 naming it and listing what the mirror has", async () => {
    const err = await alice.submit({ program: python("import numpy\ndef map(x):\n    return x\n"), input: { items: [1] }, packages: ["numpy"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toBe("400 invalid_field: packages.0: no package named numpy is in this gateway's package mirror; the mirror has medusa-base, medusa-top, medusa-victim");
    const listing = MirrorListing.parse(await (await alice.request("GET", "/v1/packages")).json());
    expect(listing.packages.map((p) => p.name)).toEqual(["medusa-base", "medusa-top", "medusa-victim"]);
  });
});
