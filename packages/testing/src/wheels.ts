import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { strToU8, zipSync } from "fflate";
import type { PinnedWheel } from "@medusa/core/packages";

/**
 * Wheels built in the test itself (there is no PyPI here, so no numpy): a
 * wheel is a zip holding the package's files and `<name>-<version>.dist-info/`
 * with METADATA, WHEEL and RECORD. `testMirror` lays some out as a Pyodide
 * package mirror: the files beside a `pyodide-lock.json` naming them, with
 * the ABI of the Pyodide the nodes run, as an operator's mirror would be.
 */

export interface TestWheel {
  name: string;
  version: string;
  fileName: string;
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
  /** Canonical names of the packages it needs (its Requires-Dist, and the lock's `depends`). */
  depends: string[];
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const recordHash = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("base64url");

/** A pure-Python wheel of `files` (paths inside site-packages → source). */
export function buildWheel(spec: { name: string; version: string; files: Record<string, string>; depends?: string[]; extra?: Record<string, Uint8Array> }): TestWheel {
  const dist = spec.name.replace(/-/g, "_");
  const info = `${dist}-${spec.version}.dist-info`;
  const requires = (spec.depends ?? []).map((d) => `Requires-Dist: ${d}\n`).join("");
  const entries: Record<string, Uint8Array> = {
    ...Object.fromEntries(Object.entries(spec.files).map(([path, text]) => [path, strToU8(text)])),
    ...spec.extra,
    [`${info}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n${requires}`),
    [`${info}/WHEEL`]: strToU8("Wheel-Version: 1.0\nGenerator: medusa-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
  };
  const record = Object.entries(entries).map(([path, bytes]) => `${path},sha256=${recordHash(bytes)},${bytes.length}\n`);
  entries[`${info}/RECORD`] = strToU8(`${record.join("")}${info}/RECORD,,\n`);
  const bytes = new Uint8Array(zipSync(entries));
  return { name: spec.name, version: spec.version, fileName: `${dist}-${spec.version}-py3-none-any.whl`, bytes, sha256: sha256(bytes), depends: spec.depends ?? [] };
}

/** The two wheels the package tests use: `medusa_base`, and `medusa_top`, which needs it. */
export function testWheels(): { base: TestWheel; top: TestWheel } {
  const base = buildWheel({
    name: "medusa-base",
    version: "1.0.0",
    files: { "medusa_base/__init__.py": "SCALE = 10\n\ndef scale(x):\n    return x * SCALE\n" },
  });
  const top = buildWheel({
    name: "medusa-top",
    version: "2.1.0",
    files: { "medusa_top/__init__.py": "from medusa_base import scale\n\ndef score(x):\n    return scale(x) + 1\n" },
    depends: ["medusa-base"],
  });
  return { base, top };
}

/** The wheel as a job pins it: from the mirror, or uploaded by the consumer. */
export function pinned(w: TestWheel, source: PinnedWheel["source"] = "mirror"): PinnedWheel {
  return { name: w.name, version: w.version, fileName: w.fileName, sha256: w.sha256, depends: w.depends, installDir: "site", source };
}

/** The folder of the Pyodide npm package the nodes run: its lock names every package of the release, and it holds none of their wheels. */
export const bundledPyodideDir = () => dirname(Bun.resolveSync("pyodide/pyodide-lock.json", import.meta.dir));

/** The Pyodide the nodes run, as its lock file describes it. */
export async function bundledPyodideInfo(): Promise<{ abi_version: string; python: string } & Record<string, unknown>> {
  return (await Bun.file(join(bundledPyodideDir(), "pyodide-lock.json")).json()).info;
}

/** Writes `wheels` and their lock into `dir`; returns `dir`. */
export async function testMirror(dir: string, wheels: TestWheel[], info?: Record<string, unknown>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const packages: Record<string, unknown> = {};
  for (const w of wheels) {
    writeFileSync(join(dir, w.fileName), w.bytes);
    packages[w.name] = {
      name: w.name,
      version: w.version,
      file_name: w.fileName,
      install_dir: "site",
      sha256: w.sha256,
      package_type: "package",
      imports: [w.name.replace(/-/g, "_")],
      depends: w.depends,
    };
  }
  writeFileSync(join(dir, "pyodide-lock.json"), JSON.stringify({ info: info ?? (await bundledPyodideInfo()), packages }));
  return dir;
}
