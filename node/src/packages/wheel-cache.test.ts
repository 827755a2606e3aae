import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PackageSet } from "@medusa/core/packages";
import { TestGateway } from "@medusa/testing/node-gateway";
import { pinned, testWheels } from "@medusa/testing/wheels";
import { gatewayHttpUrl, PackageRefused, WheelCache } from "./wheel-cache.ts";

const ABI = "2026_0";
describe("the node's wheel cache", () => {
  const { base, top } = testWheels();
  let gateway: TestGateway;
  let dir: string;
  const cache = (over: Partial<ConstructorParameters<typeof WheelCache>[0]> = {}) =>
    new WheelCache({ gatewayUrl: gateway.httpUrl, token: gateway.token, dir, abiVersion: ABI, ...over });

  beforeAll(() => {
    gateway = new TestGateway("node-secret");
    gateway.files.set(`/v1/packages/files/${base.fileName}`, base.bytes);
    gateway.files.set(`/v1/packages/files/${top.fileName}`, top.bytes);
    gateway.files.set(`/v1/packages/wheels/${top.sha256}`, top.bytes);
    dir = mkdtempSync(join(tmpdir(), "wheel-cache-"));
  });
  afterAll(() => {
    gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("fetches each wheel once, with the node token, and hands the runner verified absolute paths", async () => {
    const set: PackageSet = { abiVersion: ABI, wheels: [pinned(base), pinned(top)] };
    const wheels = cache();
    const [first, second] = await Promise.all([wheels.prepare(set), wheels.prepare(set)]);
    expect(first).toEqual(second);
    expect(first.wheels.map((w) => w.path)).toEqual([join(dir, base.sha256, base.fileName), join(dir, top.sha256, top.fileName)]);
    expect(await Bun.file(first.wheels[1]!.path).bytes()).toEqual(top.bytes);
    await wheels.prepare(set);
    expect(gateway.fileRequests.filter((p) => p.includes(base.fileName))).toHaveLength(1);
    // A new process finds them on disk, checks them, and fetches nothing.
    const before = gateway.fileRequests.length;
    await cache().prepare(set);
    expect(gateway.fileRequests.length).toBe(before);
  });

  test("an uploaded wheel is fetched by its hash", async () => {
    const other = mkdtempSync(join(tmpdir(), "wheel-cache-"));
    try {
      const got = await cache({ dir: other }).prepare({ wheels: [pinned(top, "upload")] });
      expect(gateway.fileRequests.at(-1)).toBe(`/v1/packages/wheels/${top.sha256}`);
      expect(await Bun.file(got.wheels[0]!.path).bytes()).toEqual(top.bytes);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a wheel whose bytes do not match the pin is refused, and nothing of it is kept", async () => {
    const tampered = { ...pinned(base), fileName: "medusa_base-9.9.9-py3-none-any.whl" };
    gateway.files.set(`/v1/packages/files/${tampered.fileName}`, top.bytes);
    const err = await cache().prepare({ abiVersion: ABI, wheels: [tampered] }).catch((e) => e);
    expect(err).toBeInstanceOf(PackageRefused);
    expect(err.message).toBe(
      `package medusa-base: ${tampered.fileName} from the gateway has SHA-256 ${top.sha256}, not the ${base.sha256} the job pinned; refused, nothing of this job runs here`,
    );
    expect(readdirSync(join(dir, base.sha256))).toEqual([base.fileName]);
  });

  test("a damaged file in the cache is fetched again rather than loaded", async () => {
    const other = mkdtempSync(join(tmpdir(), "wheel-cache-"));
    try {
      await cache({ dir: other }).prepare({ wheels: [pinned(base)] });
      const path = join(other, base.sha256, base.fileName);
      writeFileSync(path, "not the wheel");
      const before = gateway.fileRequests.length;
      await cache({ dir: other }).prepare({ wheels: [pinned(base)] });
      expect(gateway.fileRequests.length).toBe(before + 1);
      expect(await Bun.file(path).bytes()).toEqual(base.bytes);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a mirror built for another Pyodide is refused before anything is fetched", async () => {
    const before = gateway.fileRequests.length;
    const err = await cache().prepare({ abiVersion: "2025_0", wheels: [pinned(base)] }).catch((e) => e);
    expect(err).toBeInstanceOf(PackageRefused);
    expect(err.message).toContain("Pyodide ABI 2025_0, this node's Pyodide is ABI 2026_0");
    expect(gateway.fileRequests.length).toBe(before);
  });

  test("a file the gateway does not have is a plain failure (the chunk may do better elsewhere), and leaves no file", async () => {
    const missing = { ...pinned(base), fileName: "nowhere-1.0-py3-none-any.whl", sha256: "0".repeat(64) };
    const err = await cache().prepare({ wheels: [missing] }).catch((e) => e);
    expect(err).not.toBeInstanceOf(PackageRefused);
    expect(err.message).toBe("package medusa-base: the gateway answered 404 for nowhere-1.0-py3-none-any.whl");
    expect(existsSync(join(dir, missing.sha256, missing.fileName))).toBe(false);
    expect(readdirSync(join(dir, missing.sha256))).toEqual([]);
  });
});

test("the gateway's HTTP address comes from --gateway, whether http(s) or the node socket", () => {
  expect(gatewayHttpUrl("http://host:8080")).toBe("http://host:8080");
  expect(gatewayHttpUrl("https://host/base/")).toBe("https://host/base");
  expect(gatewayHttpUrl("ws://127.0.0.1:5000/v1/nodes/ws")).toBe("http://127.0.0.1:5000");
  expect(gatewayHttpUrl("wss://medusa.example/api/v1/nodes/ws?x=1")).toBe("https://medusa.example/api");
});
