import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { ALICE, auth, jsonInit, NODE } from "@medusa/testing/fake-services";
import { buildWheel, testMirror, testWheels } from "@medusa/testing/wheels";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";
import { PackageMirror } from "../packages/package-mirror.ts";

const { base, top } = testWheels();
const INFO = { abi_version: "2026_0", python: "3.14.2" };
let mirrorDir: string;
let t: TestGateway;

beforeAll(async () => {
  mirrorDir = await testMirror(mkdtempSync(join(tmpdir(), "mirror-")), [base, top], INFO);
});
afterAll(() => rmSync(mirrorDir, { recursive: true, force: true }));
beforeEach(() => (t = testGateway({ packageMirror: PackageMirror.open(mirrorDir), maxWheelBytes: 4096 })));
afterEach(() => t.close());

const python = { runtime: "python", source: "import medusa_top\ndef map(x):\n    return medusa_top.score(x)\n" };
const submit = (extra: object) => t.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python, input: { items: [1] }, ...extra }));
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const upload = (path: string, bytes: Uint8Array) => t.app.request(`/v1/files/${path}`, auth(ALICE.key, { method: "PUT", body: bytes }));
const mirrorWheel = (w: typeof base) => ({ name: w.name, version: w.version, fileName: w.fileName, sha256: w.sha256, depends: w.depends, installDir: "site", source: "mirror" });

describe("a job's packages", () => {
  test("are pinned at submission, dependencies first, and go to the scheduler with the job", async () => {
    const res = await submit({ packages: ["medusa_top"] });
    expect(res.status).toBe(202);
    const [req] = (await t.fakes.called("createJob")) as Array<{ packageSet: unknown }>;
    expect(req!.packageSet).toEqual({ abiVersion: "2026_0", wheels: [mirrorWheel(base), mirrorWheel(top)] });
  });

  test("a name the mirror lacks is a 400 naming it and what the mirror has, and nothing is created", async () => {
    const res = await submit({ packages: ["medusa-top", "numpy"] });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "invalid_field", message: "packages.1: no package named numpy is in this gateway's package mirror; the mirror has medusa-base, medusa-top" });
    const bad = await submit({ packages: ["../etc"] });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toStartWith("packages.0: a package name is letters, digits");
    const wasi = await t.app.request("/v1/jobs", jsonInit(ALICE.key, { program: { runtime: "wasi", module: "m.wasm" }, input: { items: [1] }, packages: ["medusa-top"] }));
    expect(wasi.status).toBe(400);
    expect((await errorOf(wasi)).message).toBe("packages: only a Python program loads packages");
    expect(t.fakes.calls.createJob).toBeUndefined();
  });

  test("a session's packages are checked the same way, before anything else", async () => {
    const res = await t.app.request("/v1/sessions", jsonInit(ALICE.key, { program: { runtime: "python", source: "def setup(i):\n    return i\ndef step(s, p):\n    return 1\n" }, input: { items: [1] }, partitions: 1, packages: ["scipy"] }));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toStartWith("packages.0: no package named scipy is in this gateway's package mirror");
  });

  test("a set needing more wheels than a job may load is a 400", async () => {
    const parts = Array.from({ length: 128 }, (_, i) => buildWheel({ name: `part-${i}`, version: "1.0", files: { [`part_${i}/__init__.py`]: "" } }));
    const all = buildWheel({ name: "everything", version: "1.0", files: { "everything/__init__.py": "" }, depends: parts.map((p) => p.name) });
    const dir = await testMirror(mkdtempSync(join(tmpdir(), "mirror-")), [...parts, all], INFO);
    const big = testGateway({ packageMirror: PackageMirror.open(dir) });
    try {
      const res = await big.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python, input: { items: [1] }, packages: ["everything"] }));
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe("packages: these need 129 wheels with their dependencies, more than the 128 a job may load");
    } finally {
      await big.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("without a mirror, naming a package is a 400 that says so", async () => {
    const bare = testGateway();
    try {
      const res = await bare.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python, input: { items: [1] }, packages: ["medusa-top"] }));
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe("packages: this gateway has no package mirror (its operator sets MEDUSA_PYODIDE_PACKAGES_DIR), so it has no packages to load");
      expect(await (await bare.app.request("/v1/packages", auth(ALICE.key))).json()).toEqual({ pyodide: null, packages: [] });
    } finally {
      await bare.close();
    }
  });
});

describe("uploaded wheels", () => {
  const own = buildWheel({ name: "alice-tools", version: "0.3", files: { "alice_tools/__init__.py": "def hi():\n    return 'hi'\n" } });

  test("a pure-Python wheel among the caller's files is frozen under its hash and pinned beside the mirror's", async () => {
    expect((await upload("lib/alice_tools-0.3-py3-none-any.whl", own.bytes)).status).toBe(201);
    const res = await submit({ packages: ["medusa-base"], wheels: ["lib/alice_tools-0.3-py3-none-any.whl"] });
    expect(res.status).toBe(202);
    const [req] = (await t.fakes.called("createJob")) as Array<{ packageSet: { wheels: unknown[] } }>;
    expect(req!.packageSet.wheels).toEqual([
      mirrorWheel(base),
      { name: "alice-tools", version: "0.3", fileName: own.fileName, sha256: own.sha256, depends: [], installDir: "site", source: "upload" },
    ]);
    // Changing the file afterwards does not change what the job loads: nodes fetch the copy by hash.
    await upload("lib/alice_tools-0.3-py3-none-any.whl", strToU8("changed"));
    const got = await t.app.request(`/v1/packages/wheels/${own.sha256}`, auth(NODE.token));
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(own.bytes);
  });

  test("anything else is refused with the field named", async () => {
    const so = buildWheel({ name: "sneaky", version: "1.0", files: { "sneaky/__init__.py": "" }, extra: { "sneaky/_fast.cpython-314-wasm32-emscripten.so": new Uint8Array([0, 97, 115, 109]) } });
    await upload("sneaky-1.0-py3-none-any.whl", so.bytes);
    await upload("notzip-1.0-py3-none-any.whl", strToU8("plain text"));
    await upload("bare-1.0-py3-none-any.whl", zipSync({ "bare/__init__.py": strToU8("") }));
    await upload("big-1.0-py3-none-any.whl", buildWheel({ name: "big", version: "1.0", files: { "big/__init__.py": "" }, extra: { "big/data.bin": crypto.getRandomValues(new Uint8Array(8192)) } }).bytes);
    await upload("compiled-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl", own.bytes);
    await upload("alice_tools-0.3-py3-none-any.whl", own.bytes);
    const cases: Array<[string[], number, string]> = [
      [["nowhere-1.0-py3-none-any.whl"], 400, "wheels.0: no file named nowhere-1.0-py3-none-any.whl; upload it with PUT /v1/files/nowhere-1.0-py3-none-any.whl first"],
      [["sneaky-1.0-py3-none-any.whl"], 400, "wheels.0: sneaky-1.0-py3-none-any.whl holds compiled code (sneaky/_fast.cpython-314-wasm32-emscripten.so); only pure-Python wheels may be uploaded, compiled packages come from the package mirror"],
      [["notzip-1.0-py3-none-any.whl"], 400, "wheels.0: notzip-1.0-py3-none-any.whl is not a zip file, so not a wheel"],
      [["bare-1.0-py3-none-any.whl"], 400, "wheels.0: bare-1.0-py3-none-any.whl has no bare-<version>.dist-info/METADATA, so it is not a wheel"],
      [["big-1.0-py3-none-any.whl"], 413, "wheels.0: big-1.0-py3-none-any.whl is"],
      [["compiled-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl"], 400, "wheels.0: compiled-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl is not named as a pure-Python wheel"],
      [["../x.whl"], 400, "wheels.0: has a '..' segment"],
      [["alice_tools-0.3-py3-none-any.whl", "alice_tools-0.3-py3-none-any.whl"], 400, "wheels.1: alice-tools is named twice; name each package once"],
    ];
    for (const [wheels, status, message] of cases) {
      const res = await submit({ wheels });
      expect(res.status, wheels[0]).toBe(status);
      expect((await errorOf(res)).message, wheels[0]).toStartWith(message);
    }
    const twin = buildWheel({ name: "medusa-base", version: "1.0.0", files: { "medusa_base/__init__.py": "" } });
    await upload(twin.fileName, twin.bytes);
    const res = await submit({ packages: ["medusa-top"], wheels: [twin.fileName] });
    expect((await errorOf(res)).message).toBe("wheels.0: medusa-base is also among the packages (or what they need); name each package once");
    expect(t.fakes.calls.createJob).toBeUndefined();
  });
});

describe("GET /v1/packages", () => {
  test("lists the mirror for consumers; serves its files, and uploaded wheels, to nodes only", async () => {
    expect(await (await t.app.request("/v1/packages", auth(ALICE.key))).json()).toEqual({
      pyodide: { abiVersion: "2026_0", python: "3.14.2" },
      packages: [
        { name: "medusa-base", version: "1.0.0" },
        { name: "medusa-top", version: "2.1.0" },
      ],
    });
    const file = await t.app.request(`/v1/packages/files/${top.fileName}`, auth(NODE.token));
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(top.bytes);
    expect((await t.app.request(`/v1/packages/files/${top.fileName}`, auth(ALICE.key))).status).toBe(403);
    expect((await t.app.request(`/v1/packages/files/${top.fileName}`)).status).toBe(401);
    expect((await t.app.request("/v1/packages/files/pyodide-lock.json", auth(NODE.token))).status).toBe(404);
    expect((await t.app.request("/v1/packages/files/..%2Fpyodide-lock.json", auth(NODE.token))).status).toBe(404);
    expect((await t.app.request(`/v1/packages/wheels/${"0".repeat(64)}`, auth(NODE.token))).status).toBe(404);
    expect((await t.app.request("/v1/packages/wheels/..%2F..%2Faccounts", auth(NODE.token))).status).toBe(404);
  });
});
