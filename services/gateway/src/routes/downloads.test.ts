import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex, type GatewayMessage } from "@medusa/core";
import { NODE } from "@medusa/testing/fake-services";
import { NodeBuilds } from "../downloads/node-builds.ts";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

const dirs: string[] = [];
let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A downloads folder as `build:node -- --all` lays it out, with small stand-in files. */
function folder(files: Record<string, string>, version = "0.1.0-150-gabcdef0"): string {
  const dir = mkdtempSync(join(tmpdir(), "medusa-downloads-"));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  writeFileSync(join(dir, "SHA256SUMS"), Object.entries(files).map(([name, body]) => `${sha256Hex(body)}  ${name}\n`).join(""));
  writeFileSync(join(dir, "VERSION"), `${version}\n`);
  return dir;
}

const BUILDS = { "medusa-node-linux-x64": "ELF linux", "medusa-node-windows-x64.exe": "MZ windows", "medusa-node-darwin-arm64": "macho" };

describe("GET /downloads and /v1/downloads", () => {
  test("lists every build with size and checksum, and serves each with its type, length and file name", async () => {
    t = testGateway({ downloads: new NodeBuilds({ dir: folder(BUILDS) }) });
    const list = (await (await t.app.request("/v1/downloads")).json()) as any;
    expect(list.version).toBe("0.1.0-150-gabcdef0");
    expect(list.checksums).toBe("/downloads/SHA256SUMS");
    expect(list.builds).toEqual([
      { platform: "linux-x64", file: "medusa-node-linux-x64", size: 9, sha256: sha256Hex("ELF linux"), url: "/downloads/medusa-node-linux-x64" },
      { platform: "windows-x64", file: "medusa-node-windows-x64.exe", size: 10, sha256: sha256Hex("MZ windows"), url: "/downloads/medusa-node-windows-x64.exe" },
      { platform: "darwin-arm64", file: "medusa-node-darwin-arm64", size: 5, sha256: sha256Hex("macho"), url: "/downloads/medusa-node-darwin-arm64" },
    ]);

    const exe = await t.app.request("/downloads/medusa-node-windows-x64.exe");
    expect(exe.status).toBe(200);
    expect(exe.headers.get("content-type")).toBe("application/octet-stream");
    expect(exe.headers.get("content-length")).toBe("10");
    expect(exe.headers.get("content-disposition")).toBe('attachment; filename="medusa-node-windows-x64.exe"');
    expect(await exe.text()).toBe("MZ windows");

    const sums = await t.app.request("/downloads/SHA256SUMS");
    expect(sums.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await sums.text()).toContain(`${sha256Hex("ELF linux")}  medusa-node-linux-x64\n`);
  });

  test("serves only what SHA256SUMS lists: nothing else in the folder, nothing outside it", async () => {
    const dir = folder(BUILDS);
    writeFileSync(join(dir, "notes.txt"), "private");
    writeFileSync(join(dir, ".env"), "SECRET=1");
    t = testGateway({ downloads: new NodeBuilds({ dir }) });
    for (const path of ["/downloads/notes.txt", "/downloads/.env", "/downloads/..%2f..%2fetc%2fpasswd", "/downloads/..%2fpackage.json", "/downloads/medusa-node-linux-x64%00"]) {
      const res = await t.app.request(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      const body = await res.text();
      expect(body).not.toContain("private");
      expect(body).not.toContain("SECRET");
    }
    // A literal `..` is resolved by the URL itself, before any route: it lands on the site, not in the folder.
    for (const path of ["/downloads/%2e%2e", "/downloads/../package.json"]) {
      const res = await t.app.request(path);
      expect(res.headers.get("content-type")).not.toContain("octet-stream");
      expect(await res.text()).not.toContain('"workspaces"');
    }
  });

  test("a gateway without a downloads folder says how to give it one", async () => {
    t = testGateway();
    const res = await t.app.request("/downloads/medusa-node-linux-x64");
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toContain("MEDUSA_DOWNLOADS_DIR");
  });

  test("an empty folder is built on first request, in the background: 503 with Retry-After until it is done", async () => {
    const dir = mkdtempSync(join(tmpdir(), "medusa-downloads-"));
    dirs.push(dir);
    let finish!: () => void;
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise<void>((resolve) => (finish = resolve));
      writeFileSync(join(dir, "medusa-node-linux-x64"), "fresh");
      writeFileSync(join(dir, "SHA256SUMS"), `${sha256Hex("fresh")}  medusa-node-linux-x64\n`);
      writeFileSync(join(dir, "VERSION"), "0.1.0-2-g1111111\n");
    };
    const downloads = new NodeBuilds({ dir, build, expectedVersion: "0.1.0-2-g1111111" });
    t = testGateway({ downloads });
    expect(builds).toBe(0); // start-up builds nothing

    const [a, b] = await Promise.all([t.app.request("/downloads/medusa-node-linux-x64"), t.app.request("/v1/downloads")]);
    for (const res of [a, b]) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("10");
      expect(((await res.json()) as any).error).toMatchObject({ code: "unavailable", message: expect.stringContaining("being built") });
    }
    expect(builds).toBe(1);
    finish();
    await downloads.settled();
    const res = await t.app.request("/downloads/medusa-node-linux-x64");
    expect([res.status, await res.text()]).toEqual([200, "fresh"]);
    expect(builds).toBe(1);
  });

  test("a failed build is a 503 that hides its error, and is tried again after a while", async () => {
    const dir = mkdtempSync(join(tmpdir(), "medusa-downloads-"));
    dirs.push(dir);
    let now = 1_000_000;
    let builds = 0;
    const logged: string[] = [];
    const downloads = new NodeBuilds({ dir, build: async () => {
      builds++;
      throw new Error("disk full at /secret/path");
    }, retryFailedMs: 60_000, now: () => now, log: (l) => logged.push(l) });
    t = testGateway({ downloads });
    await t.app.request("/v1/downloads");
    await downloads.settled();
    expect(builds).toBe(1);
    const res = await t.app.request("/v1/downloads");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(await res.text()).not.toContain("/secret/path");
    expect(logged.join("\n")).toContain("disk full");
    now += 61_000;
    await t.app.request("/v1/downloads");
    await downloads.settled();
    expect(builds).toBe(2);
  });

  test("every node is told the version on offer in its welcome", async () => {
    t = testGateway({ nodeTickMs: 60_000, downloads: new NodeBuilds({ dir: folder(BUILDS, "0.1.0-151-g2222222") }) });
    const server = listen(t);
    try {
      const socket = new WebSocket(server.ws(`/v1/nodes/ws?token=${NODE.token}`));
      const welcome = await new Promise<GatewayMessage>((resolve) => (socket.onmessage = (m) => resolve(JSON.parse(String(m.data)))));
      expect(welcome).toEqual({ v: 1, type: "welcome", nodeId: NODE.id, nodeVersion: "0.1.0-151-g2222222", maxChunks: expect.any(Number) });
      socket.close();
    } finally {
      server.server.stop(true);
    }
  });
});
