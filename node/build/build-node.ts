/**
 * `npm run build:node` builds the host's node executable as dist/medusa-node;
 * `npm run build:node -- --all` cross-compiles every platform's into dist/
 * (`medusa-node-<platform>[.exe]`) with SHA256SUMS and VERSION beside them,
 * the folder a gateway serves at /downloads/. Each build is one
 * `bun build --compile`: Bun fetches the other platforms' runtimes from the
 * npm registry once and caches them. The version (git describe) is compiled in.
 *
 *   bun node/build/build-node.ts [--all | --platform linux-arm64,…] [--outdir DIR]
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BUN_TARGET, buildFile, hostPlatform, PLATFORMS, type Platform } from "./targets.ts";
import { describeVersion } from "./version.ts";
import { errorMessage } from "@medusa/core";

const ROOT = resolve(import.meta.dir, "../..");
const ENTRY = join(ROOT, "node/src/main.ts");

export interface Built {
  platform: Platform;
  file: string;
  path: string;
  size: number;
  sha256: string;
}

export interface BuildOptions {
  outDir: string;
  platforms: Platform[];
  /** "release": `medusa-node-<platform>` plus SHA256SUMS and VERSION; "plain": one `medusa-node`, nothing else. */
  naming?: "release" | "plain";
  version?: string;
  log?: (line: string) => void;
}

/** The argv of one build: what `npm run build:node` runs, minus the output path. */
export function compileArgs(platform: Platform, version: string): string[] {
  return ["build", "--compile", "--minify", `--target=${BUN_TARGET[platform]}`, `--define=MEDUSA_NODE_VERSION=${JSON.stringify(version)}`, ENTRY];
}

/**
 * Builds each platform in turn (one compile takes a second or two and a few
 * hundred MB; in parallel they would only fight over two cores). Every file
 * is written under a temporary name and renamed, so a folder being served
 * never shows half a build; SHA256SUMS and VERSION are written last.
 */
export async function buildNode(opts: BuildOptions): Promise<Built[]> {
  const version = opts.version ?? describeVersion(ROOT);
  const naming = opts.naming ?? "release";
  if (naming === "plain" && opts.platforms.length !== 1) throw new Error("a plain build is of one platform");
  await mkdir(opts.outDir, { recursive: true });
  const built: Built[] = [];
  for (const platform of opts.platforms) {
    const file = naming === "plain" ? (platform.startsWith("windows") ? "medusa-node.exe" : "medusa-node") : buildFile(platform);
    const path = join(opts.outDir, file);
    const temp = join(opts.outDir, `.${file}.${process.pid}.building${platform.startsWith("windows") ? ".exe" : ""}`);
    const started = performance.now();
    const proc = Bun.spawn([process.execPath, ...compileArgs(platform, version), "--outfile", temp], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text(), await proc.exited];
    if (code !== 0) {
      await rm(temp, { force: true });
      throw new Error(`building ${platform} failed (exit ${code}): ${(stderr || stdout).trim().slice(-2000)}`);
    }
    await rename(temp, path);
    const size = Bun.file(path).size;
    built.push({ platform, file, path, size, sha256: await sha256File(path) });
    opts.log?.(`built ${file} (${platform}, ${(size / 1048576).toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  if (naming === "release") {
    await writeAtomically(join(opts.outDir, "SHA256SUMS"), built.map((b) => `${b.sha256}  ${b.file}\n`).join(""));
    await writeAtomically(join(opts.outDir, "VERSION"), `${version}\n`);
  }
  return built;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function platformsFrom(args: { all?: boolean; platform?: string }): { platforms: Platform[]; naming: "release" | "plain" } {
  if (args.all) return { platforms: [...PLATFORMS], naming: "release" };
  if (args.platform) {
    const names = args.platform.split(",").map((s) => s.trim());
    const unknown = names.filter((n) => !(PLATFORMS as readonly string[]).includes(n));
    if (unknown.length > 0) throw new Error(`unknown platform ${unknown.join(", ")}; known: ${PLATFORMS.join(", ")}`);
    return { platforms: names as Platform[], naming: "release" };
  }
  const host = hostPlatform();
  if (!host) throw new Error(`no node build for ${process.platform}-${process.arch}; name one with --platform`);
  return { platforms: [host], naming: "plain" };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { all: { type: "boolean" }, platform: { type: "string" }, outdir: { type: "string", default: join(ROOT, "dist") } } });
  try {
    const { platforms, naming } = platformsFrom(values);
    const version = describeVersion(ROOT);
    console.log(`medusa-node ${version}: building ${platforms.join(", ")} into ${values.outdir}`);
    await buildNode({ outDir: values.outdir!, platforms, naming, version, log: console.log });
    if (naming === "release") console.log(`wrote ${join(values.outdir!, "SHA256SUMS")} and VERSION`);
  } catch (err) {
    console.error(`build:node: ${errorMessage(err)}`);
    process.exit(1);
  }
}
