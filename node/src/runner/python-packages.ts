import type { Lockfile, PyodideAPI } from "pyodide";
import type { RunnerPackages } from "./protocol.ts";

/**
 * Loading a job's packages into a runner's Pyodide. Mirror wheels go through
 * Pyodide's own `loadPackage`, the path numpy and every other package of a
 * Pyodide release take (compiled extensions are linked as they install), from
 * a lock file naming only the job's wheels by their absolute paths in the
 * node's cache, so nothing is ever fetched from anywhere else. That happens
 * before the runner confines itself: afterwards no file can be opened.
 *
 * Uploaded wheels are the consumer's, pure Python: their bytes are read
 * before confinement and unpacked into site-packages after it, with no
 * linking, so no code of theirs ever runs unconfined.
 */

type Wheel = RunnerPackages["wheels"][number];

const fromMirror = (packages: RunnerPackages | undefined) => packages?.wheels.filter((w) => w.source === "mirror") ?? [];
const uploaded = (packages: RunnerPackages | undefined) => packages?.wheels.filter((w) => w.source === "upload") ?? [];

/** The lock file `loadPyodide` gets: the bundled one's `info`, and the mirror wheels of this job alone. */
export async function mirrorLockfile(indexURL: string, packages: RunnerPackages | undefined): Promise<Lockfile | undefined> {
  const wheels = fromMirror(packages);
  if (wheels.length === 0) return undefined;
  const bundled = (await Bun.file(`${indexURL}pyodide-lock.json`).json()) as Lockfile;
  const entry = (w: Wheel): Lockfile["packages"][string] => ({
    name: w.name,
    version: w.version,
    file_name: w.path,
    install_dir: w.installDir,
    sha256: w.sha256,
    package_type: w.installDir === "dynlib" ? "shared_library" : "package",
    imports: [],
    depends: w.depends,
  });
  return { info: bundled.info, packages: Object.fromEntries(wheels.map((w) => [w.name, entry(w)])) };
}

/** Installs the mirror wheels; throws with Pyodide's own messages when one did not load. */
export async function loadMirrorWheels(pyodide: PyodideAPI, packages: RunnerPackages | undefined): Promise<void> {
  const wheels = fromMirror(packages);
  if (wheels.length === 0) return;
  const errors: string[] = [];
  // loadPackage reports failures through the callback and resolves with what did load.
  const loaded = await pyodide.loadPackage(
    wheels.map((w) => w.name),
    { messageCallback: () => {}, errorCallback: (message) => errors.push(message), checkIntegrity: false },
  );
  const names = new Set(loaded.map((p) => p.name));
  const missing = wheels.filter((w) => !names.has(w.name)).map((w) => w.name);
  if (missing.length > 0) throw new Error(`packages did not load: ${missing.join(", ")}${errors.length ? `: ${errors.join(" ").slice(0, 1500)}` : ""}`);
}

export interface WheelBytes {
  fileName: string;
  bytes: Uint8Array;
}

/** Reads the uploaded wheels into memory: the last file access they need. */
export async function readUploadedWheels(packages: RunnerPackages | undefined): Promise<WheelBytes[]> {
  return Promise.all(uploaded(packages).map(async (w) => ({ fileName: w.fileName, bytes: await Bun.file(w.path).bytes() })));
}

/** Unpacks wheels into site-packages, in memory; links nothing, so it is safe, and meant, after confinement. */
export function unpackWheels(pyodide: PyodideAPI, wheels: WheelBytes[]): void {
  if (wheels.length === 0) return;
  const site = pyodide.runPython("import site; site.getsitepackages()[0]") as string;
  for (const wheel of wheels) pyodide.unpackArchive(wheel.bytes, "wheel", { extractDir: site });
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}
