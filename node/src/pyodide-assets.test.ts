import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheRoot, isCompiled, pyodideDir, unpackAssets } from "./pyodide-assets.ts";
import { runnerCommand } from "./runner-command.ts";

const scratch = mkdtempSync(join(tmpdir(), "medusa-assets-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("pyodideDir from source", () => {
  test("is the installed pyodide package, holding the files loadPyodide reads", async () => {
    const dir = await pyodideDir();
    for (const name of ["pyodide.asm.wasm", "pyodide.asm.mjs", "python_stdlib.zip", "pyodide-lock.json"]) {
      expect(existsSync(join(dir, name))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name).toBe("pyodide");
  });
});

describe("unpackAssets", () => {
  const a = join(scratch, "a.bin");
  const b = join(scratch, "b.json");
  writeFileSync(a, Buffer.alloc(70_000, 7));
  writeFileSync(b, '{"x":1}');

  test("copies every asset under its own name and leaves no temporary files", async () => {
    const dir = join(scratch, "cache", "pyodide-1");
    expect(await unpackAssets(dir, { "pyodide.asm.wasm": a, "pyodide-lock.json": b })).toBe(dir);
    expect(readdirSync(dir).sort()).toEqual(["pyodide-lock.json", "pyodide.asm.wasm"]);
    expect(readFileSync(join(dir, "pyodide.asm.wasm")).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(join(dir, "pyodide-lock.json"), "utf8")).toBe('{"x":1}');
  });

  test("keeps a file of the right size and replaces a torn one", async () => {
    const dir = join(scratch, "cache2");
    await unpackAssets(dir, { "x.bin": a });
    const first = statSync(join(dir, "x.bin")).mtimeMs;
    await Bun.sleep(20);
    await unpackAssets(dir, { "x.bin": a });
    expect(statSync(join(dir, "x.bin")).mtimeMs).toBe(first);
    writeFileSync(join(dir, "x.bin"), "torn");
    await unpackAssets(dir, { "x.bin": a });
    expect(statSync(join(dir, "x.bin")).size).toBe(70_000);
  });

  test("two unpackers racing both end with whole files", async () => {
    const dir = join(scratch, "cache3");
    await Promise.all([unpackAssets(dir, { "x.bin": a }), unpackAssets(dir, { "x.bin": a })]);
    expect(readdirSync(dir)).toEqual(["x.bin"]);
    expect(statSync(join(dir, "x.bin")).size).toBe(70_000);
  });

  test("fails loudly when an asset is missing", async () => {
    await expect(unpackAssets(join(scratch, "cache4"), { "x.bin": join(scratch, "nope") })).rejects.toThrow();
  });
});

describe("helpers", () => {
  test("cacheRoot honours XDG_CACHE_HOME, else ~/.cache", () => {
    expect(cacheRoot({ XDG_CACHE_HOME: "/c" })).toBe("/c/medusa-node");
    expect(cacheRoot({})).toEndWith("/.cache/medusa-node");
  });

  test("isCompiled tells Bun's embedded paths from real ones", () => {
    expect(isCompiled("/$bunfs/root/main")).toBe(true);
    expect(isCompiled("B:/~BUN/root/main")).toBe(true);
    expect(isCompiled(import.meta.path)).toBe(false);
  });

  test("from source, a runner is `bun main.ts runner <runtime>` with the Pyodide dir for Python", () => {
    expect(runnerCommand("python", "/p")).toEqual([process.execPath, join(import.meta.dir, "main.ts"), "runner", "python", "--pyodide-dir", "/p"]);
    expect(runnerCommand("wasi", "/p")).toEqual([process.execPath, join(import.meta.dir, "main.ts"), "runner", "wasi"]);
  });
});
