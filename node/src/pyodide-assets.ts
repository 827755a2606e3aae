import { mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import lockJson from "pyodide/pyodide-lock.json" with { type: "file" };
import asmMjs from "pyodide/pyodide.asm.mjs" with { type: "file" };
import asmWasm from "pyodide/pyodide.asm.wasm" with { type: "file" };
import stdlibZip from "pyodide/python_stdlib.zip" with { type: "file" };
import pyodidePackage from "pyodide/package.json";

/**
 * Where the runner loads Pyodide from. `loadPyodide({ indexURL })` reads the
 * four runtime files below from that directory; the loader itself (pyodide.mjs)
 * is bundled into the runner's code, and embedding it as a file as well would
 * make the bundler treat every import of it as a file. Run from source, that is
 * the installed package; in a `bun build --compile` executable the files are
 * embedded, and since Pyodide wants real paths they are unpacked once into a
 * per-version cache directory.
 */
const ASSETS: Record<string, string> = {
  "pyodide.asm.wasm": asmWasm,
  "pyodide.asm.mjs": asmMjs,
  "python_stdlib.zip": stdlibZip,
  // TypeScript types a .json import as its contents; imported as a file it is its path.
  "pyodide-lock.json": lockJson as unknown as string,
};

export const PYODIDE_VERSION: string = pyodidePackage.version;

/** The embedded file paths of a compiled executable live in Bun's virtual filesystem. */
export const isCompiled = (path = import.meta.path) => path.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(path);

export function cacheRoot(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "medusa-node");
}

let unpacked: Promise<string> | null = null;

/** The directory holding Pyodide's files, unpacking them first when they are embedded. */
export async function pyodideDir(): Promise<string> {
  const onDisk = Object.entries(ASSETS).every(([name, path]) => !isCompiled(path) && basename(path) === name);
  if (onDisk) return dirname(ASSETS["pyodide.asm.wasm"]!);
  unpacked ??= unpackAssets(join(cacheRoot(), `pyodide-${PYODIDE_VERSION}`), ASSETS).catch((err) => {
    unpacked = null;
    throw err;
  });
  return unpacked;
}

/**
 * Copies each asset into `dir` unless a file of the same size is there. Each
 * write goes to a temporary name first and is renamed into place, so a crash
 * or a second node unpacking at the same time never leaves a torn file.
 */
export async function unpackAssets(dir: string, assets: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, source] of Object.entries(assets)) {
    const target = join(dir, name);
    const size = Bun.file(source).size;
    if ((await sizeOf(target)) === size) continue;
    const temp = `${target}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      await Bun.write(temp, Bun.file(source));
      if ((await sizeOf(temp)) !== size) throw new Error(`short write unpacking ${name} into ${dir}`);
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }
  return dir;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}
