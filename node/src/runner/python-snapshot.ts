import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { loadPyodide, version as pyodideVersion, type PyodideAPI } from "pyodide";
import type { PythonStart } from "./protocol.ts";
import { earlyModule, instantiateWith } from "./wasm-early.ts";

/**
 * A memory snapshot of a loaded Pyodide, so a runner restores Python in a
 * fraction of a second instead of booting it (seconds). Pyodide's snapshot
 * API (`_makeSnapshot`, `makeMemorySnapshot`, `_loadSnapshot`) is private, so
 * the version is pinned in node/package.json and python-snapshot.test.ts
 * exercises it. The node makes the file once, in a runner process that runs
 * no job, into its cache directory; every file carries a header with the
 * Pyodide build id it was made with and the SHA-256 of its body, and a file
 * whose build id or checksum does not match this node's is remade.
 */

const MAGIC = "MDSNAP01";
/** Bumped when what the snapshot holds (SNAPSHOT_PREAMBLE) or the header changes. */
const FORMAT = 1;

/** Imported before the snapshot is taken: what every runner's driver needs, so no runner pays for it. */
export const SNAPSHOT_PREAMBLE = "import base64, io, json, random, traceback";

export interface SnapshotHeader {
  format: number;
  pyodideVersion: string;
  buildId: string;
  sha256: string;
  bytes: number;
}

let buildId: Promise<string> | undefined;

/**
 * The build id this node's Pyodide loader stamps into snapshots and checks on
 * restore. The loader does not export it; it hands its settings to
 * `createPyodideModule`, which reads it there and stops before any wasm loads.
 */
export function pyodideBuildId(indexURL: string): Promise<string> {
  buildId ??= (async () => {
    let found: string | undefined;
    const stop = new Error("build id read");
    const createPyodideModule = (settings: { API: { config: { BUILD_ID?: string } } }) => {
      found = settings.API.config.BUILD_ID;
      throw stop;
    };
    await loadPyodide({ indexURL, lockFileContents: "{}", createPyodideModule } as unknown as Parameters<typeof loadPyodide>[0]).catch((err) => {
      if (err !== stop) throw err;
    });
    if (!found) throw new Error("this Pyodide loader has no BUILD_ID: its snapshot API changed");
    return found;
  })();
  return buildId;
}

/** The snapshot file's name: one per Pyodide version, so an upgrade never reads the old one first. */
export const snapshotPath = (dir: string) => join(dir, `pyodide-${pyodideVersion}.snapshot`);

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

/** Header and body in one file, written under a temporary name and renamed, so no reader sees half of it. */
export async function writeSnapshot(path: string, body: Uint8Array, build: string): Promise<void> {
  const header: SnapshotHeader = { format: FORMAT, pyodideVersion, buildId: build, sha256: sha256(body), bytes: body.length };
  // Padded so the body starts 16-byte aligned: Pyodide reads it through a Uint32Array.
  const text = JSON.stringify(header);
  const json = new TextEncoder().encode(text.padEnd(text.length + ((16 - ((12 + text.length) % 16)) % 16)));
  const prefix = new Uint8Array(12);
  prefix.set(new TextEncoder().encode(MAGIC));
  new DataView(prefix.buffer).setUint32(8, json.length, true);
  const temp = `${path}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Bun.write(temp, new Blob([prefix, json, body]));
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/** The header and body of a snapshot file, or why it is not one; nothing is verified against this node. */
export function parseSnapshot(file: Uint8Array): { header: SnapshotHeader; body: Uint8Array } | { refused: string } {
  if (file.length < 12 || new TextDecoder().decode(file.subarray(0, 8)) !== MAGIC) return { refused: "not a snapshot file" };
  const length = new DataView(file.buffer, file.byteOffset + 8, 4).getUint32(0, true);
  try {
    const header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + length))) as SnapshotHeader;
    return { header, body: file.subarray(12 + length) };
  } catch {
    return { refused: "its header does not parse" };
  }
}

/** Why a snapshot file may not be used by this node, or undefined when it may. */
export async function refusal(file: Uint8Array, indexURL: string): Promise<string | undefined> {
  const parsed = parseSnapshot(file);
  if ("refused" in parsed) return parsed.refused;
  const { header, body } = parsed;
  if (header.format !== FORMAT) return `format ${header.format}, this node makes ${FORMAT}`;
  const build = await pyodideBuildId(indexURL);
  if (header.buildId !== build) return `made by Pyodide build ${header.buildId}, this node has ${build}`;
  if (header.bytes !== body.length || header.sha256 !== sha256(body)) return "its checksum does not match its contents";
  if (stampedBuildId(body) !== build) return `Pyodide's own stamp says build ${stampedBuildId(body)}, this node has ${build}`;
  return undefined;
}

/** The build id Pyodide wrote into the body (eight little-endian words at byte 16), which its restore compares. */
export function stampedBuildId(body: Uint8Array): string {
  if (body.length < 48) return "(none)";
  const words = new DataView(body.buffer, body.byteOffset + 16, 32);
  return Array.from({ length: 8 }, (_, i) => words.getUint32(4 * i, true).toString(16).padStart(8, "0")).join("");
}

async function readFile(path: string): Promise<Uint8Array | undefined> {
  const file = Bun.file(path);
  return (await file.exists()) ? new Uint8Array(await file.arrayBuffer()) : undefined;
}

export interface EnsureSnapshotOptions {
  /** The node's cache directory for snapshots. */
  dir: string;
  /** Where Pyodide's files are. */
  pyodideDir: string;
  /** How to start a Python runner; `--make-snapshot PATH` is appended. */
  runnerCommand: string[];
  log: (msg: string) => void;
}

/** The cached snapshot's path when it passes `refusal`; a refused file is deleted, and undefined returned. */
async function cachedSnapshot(opts: EnsureSnapshotOptions): Promise<string | undefined> {
  const path = snapshotPath(opts.dir);
  const cached = await readFile(path);
  if (!cached) return undefined;
  const why = await refusal(cached, opts.pyodideDir);
  if (why === undefined) return path;
  opts.log(`Python snapshot ${path} refused (${why}): making it again`);
  await rm(path, { force: true });
  return undefined;
}

const making = new Map<string, Promise<string | undefined>>();

/**
 * Makes the snapshot in a runner process that runs no job; undefined (and a
 * log line) when that failed. Nodes of one process (the embedded stack's)
 * share one making.
 */
function makePythonSnapshot(opts: EnsureSnapshotOptions): Promise<string | undefined> {
  const path = snapshotPath(opts.dir);
  const made = making.get(path) ?? make(path, opts).finally(() => making.delete(path));
  making.set(path, made);
  return made;
}

async function make(path: string, opts: EnsureSnapshotOptions): Promise<string | undefined> {
  await mkdir(opts.dir, { recursive: true });
  const started = performance.now();
  const maker = Bun.spawn([...opts.runnerCommand, "--make-snapshot", path], { env: {}, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([maker.exited, new Response(maker.stderr).text()]);
  const made = code === 0 ? await readFile(path) : undefined;
  const why = made ? await refusal(made, opts.pyodideDir) : `the maker exited with code ${code}: ${stderr.trim().slice(-500)}`;
  if (why !== undefined) {
    opts.log(`no Python snapshot (${why}): runners load Python from scratch`);
    return undefined;
  }
  opts.log(`Python snapshot made in ${Math.round(performance.now() - started)} ms: ${path} (${Math.round(made!.length / 1024 / 1024)} MB)`);
  return path;
}

/** The cached snapshot, or one made now; undefined when none could be made, and runners then boot Python. */
export async function ensurePythonSnapshot(opts: EnsureSnapshotOptions): Promise<string | undefined> {
  return (await cachedSnapshot(opts)) ?? makePythonSnapshot(opts);
}

type LoadConfig = NonNullable<Parameters<typeof loadPyodide>[0]> & { indexURL: string };

/** Run by `runner python --make-snapshot PATH`: boots Pyodide as a runner would, imports the preamble, writes the file. */
export async function makeSnapshotFile(path: string, indexURL: string): Promise<void> {
  const pyodide = await loadPyodide({ indexURL, stdout: () => {}, stderr: () => {}, _makeSnapshot: true } as LoadConfig);
  pyodide.runPython(SNAPSHOT_PREAMBLE);
  const body = (pyodide as unknown as { makeMemorySnapshot(): Uint8Array }).makeMemorySnapshot();
  await writeSnapshot(path, body, await pyodideBuildId(indexURL));
}

/**
 * A runner's Pyodide: restored from the snapshot at `path` when there is one
 * Pyodide accepts (it checks the build id itself), else booted. Either way
 * `random` is seeded afresh: a snapshot holds one RNG state for every runner.
 * The hash seed cannot be changed once Python runs (every interned string's
 * hash is cached), so runners restored on one node share the node's seed.
 */
export async function loadPython(config: LoadConfig, path: string | undefined): Promise<{ pyodide: PyodideAPI; start: PythonStart }> {
  const started = performance.now();
  let note: string | undefined;
  let pyodide: PyodideAPI | undefined;
  const early = await earlyModule();
  const compiledEarly = early && { readyAtMs: early.readyAtMs, waitedMs: Math.round(performance.now() - started) };
  if (early) config = { ...config, createPyodideModule: instantiateWith(early.module, config.indexURL) } as LoadConfig;
  if (path) {
    // Mapped, not read: the pages are the page cache's, shared by every runner, and Pyodide copies them into its heap once.
    // Private (copy-on-write), never shared: a program that wrote through the mapping would otherwise change the file every later runner restores.
    const parsed = parseSnapshot(Bun.mmap(path, { shared: false }));
    if ("refused" in parsed) note = `snapshot refused: ${parsed.refused}`;
    else if (parsed.header.format !== FORMAT) note = `snapshot refused: format ${parsed.header.format}`;
    else pyodide = await loadPyodide({ ...config, _loadSnapshot: handOnce(parsed.body) } as LoadConfig).catch((err) => void (note = `snapshot refused: ${err instanceof Error ? err.message.split("\n")[0] : err}`));
  }
  const snapshot = pyodide !== undefined;
  pyodide ??= await loadPyodide(config);
  pyodide.runPython("import random; random.seed()");
  // Releases the file's mapping now, not at some later collection: it would count against the runner's memory cap.
  if (snapshot) Bun.gc(true);
  return { pyodide, start: { snapshot, ms: Math.round(performance.now() - started), ...(note ? { note } : {}), ...(compiledEarly ? { compiledEarly } : {}) } };
}

/** Pyodide keeps its options for life: handed through a thenable that forgets it, the mapping can be released once copied into the heap. */
function handOnce(body: Uint8Array): PromiseLike<Uint8Array> {
  let held: Uint8Array | undefined = body;
  return {
    then(resolve) {
      const given = held!;
      held = undefined;
      return Promise.resolve(resolve?.(given));
    },
  } as PromiseLike<Uint8Array>;
}
