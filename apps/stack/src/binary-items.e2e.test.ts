import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { limits, sha256Hex } from "@medusa/core";
import { wasm } from "@medusa/testing/wat-fixtures";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * Binary items end to end on the embedded stack with two local nodes: a
 * folder of files and a file of fixed-size records become jobs whose nodes
 * fetch each item's bytes from the gateway with their lease.
 */
let dir: string;
let stack: Stack;
let alice: MedusaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-binary-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "2", MEDUSA_NODE_SLOTS: "1" }), () => {});
  const anon = new MedusaClient(stack.url);
  alice = anon.withKey((await anon.signUp("scans@example.com", "scans-password")).apiKey);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Bytes that look like a PNG to anyone reading the header: the signature, an IHDR chunk, then noise; every size differs. */
function pngLike(i: number): Uint8Array {
  const bytes = new Uint8Array(200 + ((i * 37) % 900));
  bytes.set(PNG_SIGNATURE);
  bytes.set([0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52], 8);
  let x = i + 1;
  for (let k = 16; k < bytes.length; k++) bytes[k] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return bytes;
}

const SIZE_AND_HASH = `
import hashlib
def map(item):
    data = item.read()
    assert data == item.bytes and len(data) == item.size
    return {"size": item.size, "sha256": hashlib.sha256(data).hexdigest(), "png": data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"}
`;

describe("binary items", () => {
  test("a folder of 200 PNG-like files: map gets each file's bytes, results keyed by name in name order, every size and SHA-256 right", async () => {
    const files = Array.from({ length: 200 }, (_, i) => ({ path: `scans/img-${String(i).padStart(3, "0")}.png`, bytes: pngLike(i) }));
    for (const f of files) await alice.upload(f.path, f.bytes);
    await alice.upload("scans/README.txt", "not a scan");
    const spec = { program: { runtime: "python" as const, source: SIZE_AND_HASH }, input: { files: "scans/*.png" }, chunkSize: 25 };
    expect(await alice.quote(spec)).toMatchObject({ chunks: 8, exact: true });
    const job = await alice.submit(spec);
    const status = await alice.follow(job.id);
    expect(status).toMatchObject({ state: "done", items: 200, chunks: { total: 8, done: 8 } });
    const results = (await alice.results(job.id)) as Array<{ name: string; result: { size: number; sha256: string; png: boolean } }>;
    expect(results.map((r) => r.name)).toEqual(files.map((f) => f.path));
    for (const [i, r] of results.entries()) expect(r.result).toEqual({ size: files[i]!.bytes.length, sha256: sha256Hex(files[i]!.bytes), png: true });
  }, 180_000);

  test("a binary file cut into itemBytes records: each record's offset, size and bytes, in order, the last one short", async () => {
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 7) % 256);
    await alice.upload("records/data.bin", bytes);
    const source = "import hashlib\ndef map(record):\n    return [record.name, record.offset, record.size, hashlib.sha256(record.read()).hexdigest()]\n";
    const job = await alice.submit({ program: { runtime: "python", source }, input: { file: "records/data.bin", format: "binary", itemBytes: 300 }, chunkSize: 10 });
    expect((await alice.follow(job.id)).state).toBe("done");
    const results = await alice.results(job.id);
    expect(results).toHaveLength(34);
    expect(results).toEqual(Array.from({ length: 34 }, (_, i) => ["records/data.bin", i * 300, i < 33 ? 300 : 100, sha256Hex(bytes.subarray(i * 300, i * 300 + 300))]));
  }, 120_000);

  test("a WASI module reads each file as one JSON line {name, size, base64}", async () => {
    await alice.upload("echo.wasm", await wasm("echo"));
    for (const [name, text] of [["b.bin", "second"], ["a.bin", "first\n\u0000bytes"]]) await alice.upload(`wasi-in/${name}`, text);
    const job = await alice.submit({ program: { runtime: "wasi", module: "echo.wasm" }, input: { files: "wasi-in" } });
    expect((await alice.follow(job.id)).state).toBe("done");
    expect(await alice.results(job.id)).toEqual([
      { name: "wasi-in/a.bin", result: { name: "wasi-in/a.bin", size: 12, base64: Buffer.from("first\n\u0000bytes").toString("base64") } },
      { name: "wasi-in/b.bin", result: { name: "wasi-in/b.bin", size: 6, base64: Buffer.from("second").toString("base64") } },
    ]);
  }, 60_000);

  test("a file over the per-item cap fails the job up front, naming the file; nothing is held", async () => {
    await alice.upload("mixed/small.png", pngLike(1));
    await alice.upload("mixed/huge.tif", new Uint8Array(limits.binaryItemBytes + 1));
    const before = await alice.me();
    const spec = { program: { runtime: "python" as const, source: SIZE_AND_HASH }, input: { files: "mixed" } };
    const message = `input.files: mixed/huge.tif is ${limits.binaryItemBytes + 1} bytes, over the per-item cap of ${limits.binaryItemBytes} bytes`;
    // One at a time: a second request's rejection arriving while the first is awaited would be unhandled.
    for (const attempt of [() => alice.submit(spec), () => alice.quote(spec)]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 400, code: "invalid_field", message: `400 invalid_field: ${message}` });
    }
    expect((await alice.me()).credits).toEqual(before.credits);
    expect((await alice.jobs()).jobs.every((j) => j.state === "done")).toBe(true);
  }, 60_000);

  test("an item's bytes go only to the node holding the chunk's lease", async () => {
    const { nodeToken } = (await (await alice.request("POST", "/v1/nodes", { name: "stranger" })).json()) as { nodeToken: string };
    const [job] = (await alice.jobs({ limit: 1 })).jobs;
    const url = `${stack.url}/v1/nodes/chunks/${job!.id}/0/items/0`;
    const asNode = await fetch(url, { headers: { authorization: `Bearer ${nodeToken}`, "x-medusa-lease": "lease_guessed" } });
    expect(asNode.status).toBe(403);
    expect(((await asNode.json()) as any).error.message).toContain("holds no live lease");
    const noLease = await fetch(url, { headers: { authorization: `Bearer ${nodeToken}` } });
    expect(noLease.status).toBe(400);
    const asConsumer = await fetch(url, { headers: { authorization: `Bearer ${alice.apiKey}`, "x-medusa-lease": "lease_guessed" } });
    expect(asConsumer.status).toBe(403);
  });

  test("a session refuses binary inputs with a 400 naming the field", async () => {
    const err = await alice
      .createSession({ program: { runtime: "python", source: "def setup(items):\n    return items\ndef step(s, p):\n    return 0\n" }, input: { files: "scans" }, partitions: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "invalid_field" });
    expect((err as ApiError).message).toContain("input.files: a session takes no binary items");
  });
});
