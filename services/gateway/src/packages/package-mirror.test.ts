import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaError } from "@medusa/core";
import { buildWheel, bundledPyodideDir, testMirror, testWheels } from "@medusa/testing/wheels";
import { PackageMirror } from "./package-mirror.ts";

describe("the package mirror", () => {
  const { base, top } = testWheels();
  // Needs medusa-top (and through it medusa-base), spelled as a lock may spell it.
  const app = buildWheel({ name: "medusa-app", version: "3.0", files: { "medusa_app/__init__.py": "" }, depends: ["Medusa_Top"] });
  const gone = buildWheel({ name: "medusa-gone", version: "1.0", files: { "medusa_gone/__init__.py": "" } });
  const info = { abi_version: "2026_0", python: "3.14.2", arch: "wasm32" };
  let dir: string;
  let mirror: PackageMirror;

  beforeAll(async () => {
    dir = await testMirror(mkdtempSync(join(tmpdir(), "mirror-")), [base, top, app, gone], info);
    unlinkSync(join(dir, gone.fileName));
    mirror = PackageMirror.open(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("offers the lock's packages whose files are in the folder, and says which it skipped", () => {
    expect(mirror.listing()).toEqual({
      pyodide: { abiVersion: "2026_0", python: "3.14.2" },
      packages: [
        { name: "medusa-app", version: "3.0" },
        { name: "medusa-base", version: "1.0.0" },
        { name: "medusa-top", version: "2.1.0" },
      ],
    });
    expect(mirror.skipped).toEqual([`medusa-gone: ${gone.fileName} is not in the folder`]);
    expect(mirror.summary()).toBe(`package mirror ${dir}: 3 packages for Pyodide ABI 2026_0 (Python 3.14.2); 1 lock entries skipped (first: medusa-gone: ${gone.fileName} is not in the folder)`);
  });

  test("pins a package with what it needs, dependencies first, each once, whatever the spelling", () => {
    const pinned = mirror.resolve(["Medusa_App", "medusa-base"]);
    expect(pinned.map((w) => w.name)).toEqual(["medusa-base", "medusa-top", "medusa-app"]);
    expect(pinned[1]).toEqual({ name: "medusa-top", version: "2.1.0", fileName: top.fileName, sha256: top.sha256, depends: ["medusa-base"], installDir: "site", source: "mirror" });
    expect(pinned[2]!.depends).toEqual(["medusa-top"]);
  });

  test("an unknown name is a 400 naming the field and the package, and listing what the mirror has", () => {
    const err = (() => {
      try {
        mirror.resolve(["medusa-top", "numpy"]);
      } catch (e) {
        return e;
      }
    })() as MedusaError;
    expect(err).toBeInstanceOf(MedusaError);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toBe("packages.1: no package named numpy is in this gateway's package mirror; the mirror has medusa-app, medusa-base, medusa-top");
    // A lock entry whose file is missing is not in the mirror either.
    expect(() => mirror.resolve(["medusa-gone"])).toThrow("packages.0: no package named medusa-gone is in");
  });

  test("numpy needs the operator's mirror: the npm package's folder names it in its lock but holds no wheel", () => {
    const npm = PackageMirror.open(bundledPyodideDir());
    expect(npm.size).toBe(0);
    expect(npm.skipped).toContain(`numpy: ${/numpy-[^ ]+\.whl/.exec(npm.skipped.join(" "))![0]} is not in the folder`);
    expect(() => npm.resolve(["numpy"])).toThrow("packages.0: no package named numpy is in this gateway's package mirror; the mirror has no packages");
  });

  test("a long list is cut short, pointing at GET /v1/packages", async () => {
    const many = Array.from({ length: 45 }, (_, i) => buildWheel({ name: `pkg-${String(i).padStart(2, "0")}`, version: "1.0", files: { [`pkg_${i}/__init__.py`]: "" } }));
    const other = await testMirror(mkdtempSync(join(tmpdir(), "mirror-")), many, info);
    try {
      const names = many.slice(0, 40).map((w) => w.name).join(", ");
      expect(() => PackageMirror.open(other).resolve(["numpy"])).toThrow(`packages.0: no package named numpy is in this gateway's package mirror; the mirror has ${names} and 5 more (GET /v1/packages lists them all)`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a dependency the mirror lacks is named with the package that needs it", () => {
    const other = mkdtempSync(join(tmpdir(), "mirror-"));
    try {
      writeFileSync(join(other, app.fileName), app.bytes);
      const lock = { info, packages: { "medusa-app": { name: "medusa-app", version: "3.0", file_name: app.fileName, install_dir: "site", sha256: app.sha256, depends: ["medusa-top"] } } };
      writeFileSync(join(other, "pyodide-lock.json"), JSON.stringify(lock));
      expect(() => PackageMirror.open(other).resolve(["medusa-app"])).toThrow("packages.0: medusa-app needs medusa-top, which is not in this gateway's package mirror; the mirror has medusa-app");
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("serves only files its lock names", () => {
    expect(mirror.filePath(top.fileName)).toBe(join(dir, top.fileName));
    expect(mirror.filePath("pyodide-lock.json")).toBeNull();
    expect(mirror.filePath(`../${top.fileName}`)).toBeNull();
  });

  test("a folder that is not a mirror fails to open, naming the folder", () => {
    const empty = mkdtempSync(join(tmpdir(), "mirror-"));
    try {
      expect(() => PackageMirror.open(empty)).toThrow(`package mirror ${empty}: cannot read pyodide-lock.json`);
      writeFileSync(join(empty, "pyodide-lock.json"), JSON.stringify({ packages: {} }));
      expect(() => PackageMirror.open(empty)).toThrow(`package mirror ${empty}: pyodide-lock.json is not a Pyodide lock file`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
