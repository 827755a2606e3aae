import { describe, expect, test } from "bun:test";
import { collectResults, WasiRuntime } from "./wasi-runtime.ts";
import { wasiProgram, type WAT } from "@medusa/testing/wat-fixtures";

async function loaded(name: keyof typeof WAT, stdoutCap?: number): Promise<WasiRuntime> {
  const runtime = new WasiRuntime(stdoutCap);
  expect(await runtime.init(await wasiProgram(name))).toBeUndefined();
  return runtime;
}

const run = async (runtime: WasiRuntime, items: unknown[]) => JSON.parse(await runtime.run("map", items));

describe("WASI runtime", () => {
  test("items go in as JSON lines and come back as results: the echo module is the identity map", async () => {
    const echo = await loaded("echo");
    const items = [1, "two", { three: [3] }, null, "ünïcode ✓"];
    expect(await run(echo, items)).toEqual({ ok: true, results: items });
    // A fresh instance per chunk: the previous chunk's input is gone.
    expect(await run(echo, [7])).toEqual({ ok: true, results: [7] });
    expect(await run(echo, [])).toEqual({ ok: true, results: [] });
  });

  test("inputs larger than one read buffer arrive whole", async () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ i, pad: "x".repeat(i % 50) }));
    expect(await run(await loaded("echo"), items)).toEqual({ ok: true, results: items });
  });

  test("a nonzero exit fails the chunk and shows stderr", async () => {
    const out = await run(await loaded("exit3"), [1]);
    expect(out).toEqual({ ok: false, error: { message: "module exited with code 3\n--- stderr ---\nsomething broke" } });
  });

  test("there is no filesystem: no preopened directory, path_open is ENOSYS", async () => {
    expect(await run(await loaded("pathOpen"), [1])).toEqual({ ok: false, error: { message: "module exited with code 52" } });
  });

  test("the module sees its name as the only argument and an empty environment", async () => {
    expect(await run(await loaded("counts"), [1])).toEqual({ ok: true, results: [[1, 0]] });
  });

  test("a pointer outside memory is EFAULT, not a host crash", async () => {
    expect(await run(await loaded("badPointer"), [1])).toEqual({ ok: false, error: { message: "module exited with code 21" } });
  });

  test("stdout must hold one JSON line per item", async () => {
    expect(await run(await loaded("counts"), [1, 2])).toEqual({ ok: false, error: { message: "module printed 1 lines for 2 items" } });
    expect(await run(await loaded("notJson"), ["a"])).toEqual({ ok: false, error: { message: "line 1 is not JSON", itemIndex: 0 } });
  });

  test("stdout over the cap fails the chunk", async () => {
    const out = await run(await loaded("echo", 100), ["x".repeat(200)]);
    expect(out).toEqual({ ok: false, error: { message: "stdout exceeds cap of 100 bytes" } });
  });

  test("modules that cannot run here are refused when the job loads", async () => {
    const runtime = new WasiRuntime();
    expect(await runtime.init(await wasiProgram("foreignImport"))).toBe("module imports what the sandbox does not provide: env.system");
    expect(await runtime.init({ runtime: "wasi", moduleBase64: Buffer.from("not wasm").toString("base64") })).toStartWith("module does not compile");
    expect(await runtime.init({ runtime: "python", source: "x" })).toBe("a wasi runner cannot run a python program");
    expect(JSON.parse(await new WasiRuntime().run("map", [1]))).toEqual({ ok: false, error: { message: "no program loaded" } });
  });

  test("reduce is not a WASI task", async () => {
    expect(JSON.parse(await (await loaded("echo")).run("reduce", [1]))).toEqual({ ok: false, error: { message: "wasi programs have no reduce" } });
  });
});

describe("collectResults", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  test("accepts a missing final newline, rejects blank lines", () => {
    expect(JSON.parse(collectResults(enc("1\n2"), 2))).toEqual({ ok: true, results: [1, 2] });
    expect(JSON.parse(collectResults(enc("1\n\n"), 2))).toEqual({ ok: false, error: { message: "line 2 is not JSON", itemIndex: 1 } });
    expect(JSON.parse(collectResults(enc(""), 1))).toEqual({ ok: false, error: { message: "module printed 0 lines for 1 items" } });
  });
});
