import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, openSync, readSync, closeSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildNode, sha256File } from "./build-node.ts";
import { buildFile, hostPlatform, PLATFORMS, type Platform } from "./targets.ts";
import { NODE_BASE_VERSION } from "../src/version.ts";
import { describeVersion } from "./version.ts";

/** The first bytes of each platform's executable format and machine. */
function header(path: string): Buffer {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(64);
  readSync(fd, buf, 0, 64, 0);
  closeSync(fd);
  return buf;
}
const ELF_MACHINE: Partial<Record<Platform, number>> = { "linux-x64": 0x3e, "linux-arm64": 0xb7 };
const MACHO_CPU: Partial<Record<Platform, number>> = { "darwin-x64": 0x01000007, "darwin-arm64": 0x0100000c };

describe("npm run build:node -- --all", () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-build-all-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("builds every platform, with SHA256SUMS and VERSION that match the files", async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "build-node.ts"), "--all", "--outdir", dir], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
    expect({ code: await proc.exited, err }).toEqual({ code: 0, err: "" });
    const version = describeVersion(resolve(import.meta.dir, "../.."));
    expect(out).toContain(`medusa-node ${version}`);

    const files = PLATFORMS.map(buildFile);
    expect(readdirSync(dir).sort()).toEqual([...files, "SHA256SUMS", "VERSION"].sort());
    expect(readFileSync(join(dir, "VERSION"), "utf8")).toBe(`${version}\n`);
    const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split("  "));
    expect(sums.map(([, f]) => f)).toEqual(files);
    for (const [sha, file] of sums) expect(await sha256File(join(dir, file!))).toBe(sha!);

    // Each file is an executable of its own platform, not five copies of the host's.
    for (const platform of PLATFORMS) {
      const h = header(join(dir, buildFile(platform)));
      if (platform.startsWith("linux")) expect([h.toString("latin1", 1, 4), h.readUInt16LE(18)]).toEqual(["ELF", ELF_MACHINE[platform]!]);
      if (platform.startsWith("darwin")) expect([h.readUInt32LE(0), h.readUInt32LE(4)]).toEqual([0xfeedfacf, MACHO_CPU[platform]!]);
      if (platform.startsWith("windows")) {
        expect(h.toString("latin1", 0, 2)).toBe("MZ");
        const pe = Buffer.alloc(6);
        const fd = openSync(join(dir, buildFile(platform)), "r");
        readSync(fd, pe, 0, 6, h.readUInt32LE(0x3c));
        closeSync(fd);
        expect([pe.toString("latin1", 0, 4), pe.readUInt16LE(4)]).toEqual(["PE\0\0", 0x8664]);
      }
    }

    // The host's build runs here and knows its version.
    const host = hostPlatform();
    if (host) {
      const run = Bun.spawnSync([join(dir, buildFile(host)), "--version"], { env: {} });
      expect(run.stdout.toString().trim()).toBe(version);
    }
  }, 180_000);

  test("a plain build is one medusa-node file and nothing else", async () => {
    const plain = mkdtempSync(join(tmpdir(), "medusa-build-plain-"));
    try {
      const [built] = await buildNode({ outDir: plain, platforms: ["linux-arm64"], naming: "plain", version: "0.1.0-1-gabcdef0" });
      expect(readdirSync(plain)).toEqual(["medusa-node"]);
      expect(built).toMatchObject({ platform: "linux-arm64", file: "medusa-node" });
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("describeVersion", () => {
  test("names the commit in git describe's shape, and says unknown outside a checkout", () => {
    expect(describeVersion(resolve(import.meta.dir, "../.."))).toMatch(/^\d+\.\d+\.\d+-\d+-g[0-9a-f]{7,}(-dirty)?$/);
    const outside = mkdtempSync(join(tmpdir(), "medusa-no-git-"));
    try {
      expect(describeVersion(outside)).toBe(`${NODE_BASE_VERSION}-unknown`);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
