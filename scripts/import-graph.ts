import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The import graph of the workspace's own TypeScript, read from the sources
 * (static `import`/`export … from`, and `import("…")`), type-only imports
 * included: a cycle of types is still two modules that cannot be read apart.
 */
export const ROOT = resolve(import.meta.dir, "..");
const SOURCE_DIRS = ["packages", "services", "apps", "node", "bench", "examples", "scripts", "clients"];
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

export interface ImportGraph {
  /** Repo-relative file → repo-relative files it imports. */
  edges: Map<string, string[]>;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** `@medusa/<name>` → its folder, from each workspace's package.json. */
function workspaces(): Map<string, string> {
  const map = new Map<string, string>();
  for (const parent of ["packages", "services", "apps", "clients"]) {
    let names: string[] = [];
    try {
      names = readdirSync(join(ROOT, parent));
    } catch {}
    for (const name of names) {
      try {
        const pkg = JSON.parse(readFileSync(join(ROOT, parent, name, "package.json"), "utf8"));
        map.set(pkg.name, join(ROOT, parent, name));
      } catch {}
    }
  }
  map.set("@medusa/node", join(ROOT, "node"));
  return map;
}

function existing(base: string): string | null {
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
}

function resolveSpecifier(from: string, spec: string, packages: Map<string, string>): string | null {
  if (spec.startsWith(".")) return existing(resolve(dirname(from), spec));
  const match = /^(@medusa\/[^/]+)(?:\/(.*))?$/.exec(spec);
  if (!match) return null;
  const dir = packages.get(match[1]!);
  if (!dir) return null;
  // `exports` maps most subpaths into src/; a few (the node's build/) sit beside it.
  return existing(join(dir, "src", match[2] ?? "index")) ?? (match[2] ? existing(join(dir, match[2])) : null);
}

export function readImportGraph(): ImportGraph {
  const packages = workspaces();
  const edges = new Map<string, string[]>();
  for (const top of SOURCE_DIRS) {
    for (const file of tsFiles(join(ROOT, top))) {
      const text = readFileSync(file, "utf8");
      const targets = new Set<string>();
      for (const m of text.matchAll(SPECIFIER)) {
        const target = resolveSpecifier(file, (m[1] ?? m[2] ?? m[3])!, packages);
        if (target) targets.add(relative(ROOT, target));
      }
      edges.set(relative(ROOT, file), [...targets]);
    }
  }
  return { edges };
}

/** Every cycle's files (strongly connected components of more than one file, or a file importing itself). */
export function cycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The deployable or library a file belongs to: `packages/core`, `services/gateway`, `node`, `apps/stack`, `bench`… */
export function unitOf(file: string): string {
  const parts = file.split("/");
  return ["packages", "services", "apps", "clients"].includes(parts[0]!) ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

export const isTestFile = (file: string) => /\.(test|contract|property|fixtures|probe)\.ts$/.test(file) || /(^|\/)test\//.test(file) || file.startsWith("packages/testing/");
