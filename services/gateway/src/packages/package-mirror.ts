import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { canonicalPackageName, MedusaError, Sha256Hex, WheelFileName, type MirrorListing, type PinnedWheel, errorMessage } from "@medusa/core";

/**
 * The gateway's Pyodide package mirror: a folder laid out like Pyodide's own
 * distribution, `pyodide-lock.json` beside the wheel files it names. The
 * operator fills it from the Pyodide release of the version the nodes run.
 * A package counts as in the mirror when the lock names it and its file is
 * there, so a lock copied without all its wheels offers only those present.
 */

const LockEntry = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  file_name: WheelFileName,
  install_dir: z.enum(["site", "dynlib"]).default("site"),
  sha256: Sha256Hex,
  depends: z.array(z.string()).default([]),
});
export const MirrorLock = z.object({
  info: z.object({ abi_version: z.string(), python: z.string() }).loose(),
  packages: z.record(z.string(), z.unknown()),
});

/** How many names a 400 lists before pointing at GET /v1/packages. */
const LISTED = 40;

export class PackageMirror {
  /** Served file names, each to its lock entry's path. */
  private readonly files: Map<string, string>;

  private constructor(
    readonly dir: string,
    readonly info: { abiVersion: string; python: string },
    /** By canonical name; only entries whose file is in the folder. */
    private readonly entries: Map<string, z.infer<typeof LockEntry>>,
    /** Lock entries skipped, and why: for the operator's log. */
    readonly skipped: string[],
  ) {
    this.files = new Map([...entries.values()].map((e) => [e.file_name, join(dir, e.file_name)]));
  }

  /** Reads `dir/pyodide-lock.json`; throws naming the folder when it is not a mirror. */
  static open(dir: string): PackageMirror {
    const lockPath = join(dir, "pyodide-lock.json");
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(lockPath, "utf8"));
    } catch (err) {
      throw new Error(`package mirror ${dir}: cannot read pyodide-lock.json: ${errorMessage(err)}`);
    }
    const lock = MirrorLock.safeParse(raw);
    if (!lock.success) throw new Error(`package mirror ${dir}: pyodide-lock.json is not a Pyodide lock file: ${lock.error.issues[0]?.message}`);
    const entries = new Map<string, z.infer<typeof LockEntry>>();
    const skipped: string[] = [];
    for (const [key, value] of Object.entries(lock.data.packages)) {
      const entry = LockEntry.safeParse(value);
      if (!entry.success) skipped.push(`${key}: ${entry.error.issues[0]?.message}`);
      else if (!existsSync(join(dir, entry.data.file_name))) skipped.push(`${key}: ${entry.data.file_name} is not in the folder`);
      else entries.set(canonicalPackageName(key), entry.data);
    }
    const { abi_version, python } = lock.data.info;
    return new PackageMirror(dir, { abiVersion: abi_version, python }, entries, skipped);
  }

  get size(): number {
    return this.entries.size;
  }

  /** One line for the operator's log at start-up. */
  summary(): string {
    const skipped = this.skipped.length > 0 ? `; ${this.skipped.length} lock entries skipped (first: ${this.skipped[0]})` : "";
    return `package mirror ${this.dir}: ${this.size} packages for Pyodide ABI ${this.info.abiVersion} (Python ${this.info.python})${skipped}`;
  }

  listing(): MirrorListing {
    const packages = [...this.entries.values()].map((e) => ({ name: e.name, version: e.version })).sort((a, b) => a.name.localeCompare(b.name));
    return { pyodide: this.info, packages };
  }

  /**
   * The wheels `names` need, each once, every dependency before what needs
   * it. An unknown name is the caller's mistake: a 400 naming it and what
   * the mirror has.
   */
  resolve(names: string[], field = "packages"): PinnedWheel[] {
    const pinned = new Map<string, PinnedWheel>();
    const visit = (name: string, path: string, via: string[]) => {
      const key = canonicalPackageName(name);
      if (pinned.has(key) || via.includes(key)) return;
      const entry = this.entries.get(key);
      if (!entry) throw this.unknown(name, path, via);
      for (const dep of entry.depends) visit(dep, path, [...via, key]);
      pinned.set(key, {
        name: key,
        version: entry.version,
        fileName: entry.file_name,
        sha256: entry.sha256,
        depends: entry.depends.map(canonicalPackageName),
        installDir: entry.install_dir,
        source: "mirror",
      });
    };
    names.forEach((name, i) => visit(name, `${field}.${i}`, []));
    return [...pinned.values()];
  }

  /** The file's path when the mirror serves it; only files the lock names are ever served. */
  filePath(fileName: string): string | null {
    return this.files.get(fileName) ?? null;
  }

  private unknown(name: string, field: string, via: string[]): MedusaError {
    const names = [...this.entries.values()].map((e) => e.name).sort();
    const has =
      names.length === 0
        ? "the mirror has no packages"
        : `the mirror has ${names.slice(0, LISTED).join(", ")}${names.length > LISTED ? ` and ${names.length - LISTED} more (GET /v1/packages lists them all)` : ""}`;
    const what = via.length === 0 ? `no package named ${name} is` : `${via.at(-1)} needs ${name}, which is not`;
    const message = `${what} in this gateway's package mirror; ${has}`;
    return new MedusaError("invalid_field", `${field}: ${message}`, { issues: [{ field, message }] });
  }
}

/** The error for a job naming packages when the gateway has no mirror. */
export function noMirror(field: string): MedusaError {
  const message = "this gateway has no package mirror (its operator sets MEDUSA_PYODIDE_PACKAGES_DIR), so it has no packages to load";
  return new MedusaError("invalid_field", `${field}: ${message}`, { issues: [{ field, message }] });
}
