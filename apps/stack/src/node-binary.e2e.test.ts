import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@medusa/core";
import { buildNode } from "@medusa/node/build/build-node";
import { buildFile, hostPlatform } from "@medusa/node/build/targets";
import { until } from "@medusa/testing/until";
import { wasm } from "@medusa/testing/wat-fixtures";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * The compiled node as a volunteer gets it, against the embedded stack: it
 * is downloaded from the gateway (built on that first request), activated
 * with `medusa-node activate CODE`, started with no flag, and runs Python
 * and WASI jobs. A node built as an older version is told a newer one is on
 * offer.
 */
let dir: string;
let stack: Stack;
let client: MedusaClient;
const procs: Subprocess[] = [];
const platform = hostPlatform();

beforeAll(async () => {
  if (!platform) return;
  dir = mkdtempSync(join(tmpdir(), "medusa-node-binary-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0" }), () => {});
  const anon = new MedusaClient(stack.url);
  client = anon.withKey((await anon.signUp("volunteer@example.com", "a long password")).apiKey);
}, 60_000);

afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function spawn(argv: string[], env: Record<string, string>, log: string[]): Subprocess {
  const proc = Bun.spawn(argv, { cwd: dir, env: { HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdout: "pipe", stderr: "pipe" });
  for (const s of [proc.stdout, proc.stderr]) void (async () => { for await (const c of s) log.push(...new TextDecoder().decode(c).split("\n").filter(Boolean)); })();
  procs.push(proc);
  return proc;
}

const nodes = async () => ((await (await client.request("GET", "/v1/nodes")).json()) as { nodes: { name: string; state: string; sandbox?: string }[] }).nodes;

describe.skipIf(!platform)("the compiled node from the gateway's downloads", () => {
  test("downloaded (built on first request), activated by code, started with no flag, runs Python and WASI jobs", async () => {
    const file = buildFile(platform!);
    const first = await fetch(`${stack.url}/downloads/${file}`);
    expect(first.status).toBe(503);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(0);
    const res = await until(async () => {
      const r = await fetch(`${stack.url}/downloads/${file}`);
      return r.status === 200 ? r : r.status === 503 ? null : Promise.reject(new Error(`download answered ${r.status}`));
    }, 120_000, "the node build");
    const body = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(body.length);
    const sums = await (await fetch(`${stack.url}/downloads/SHA256SUMS`)).text();
    expect(sums).toBe(`${sha256Hex(body)}  ${file}\n`);
    const exe = join(dir, file);
    writeFileSync(exe, body);
    chmodSync(exe, 0o755);

    const { code } = (await (await client.request("POST", "/v1/nodes/activation-codes", { name: "downloaded pc" })).json()) as { code: string };
    const settings = join(dir, "config", "settings.json");
    const activateLog: string[] = [];
    const activation = spawn([exe, "activate", code, "--gateway", stack.url, "--settings", settings], {}, activateLog);
    expect(await activation.exited).toBe(0);
    expect(activateLog.join("\n")).toContain("activated as “downloaded pc”");

    const log: string[] = [];
    spawn([exe, "--no-ui", "--slots", "1", "--settings", settings], {}, log);
    await until(async () => (await nodes()).find((n) => n.name === "downloaded pc" && n.state === "online"), 60_000, "the node online");

    const py = await client.submit({ program: { runtime: "python", source: "def map(x):\n    return x * x\n" }, input: { range: { start: 0, stop: 50 } }, chunkSize: 10 });
    await client.upload("wasm/echo.wasm", await wasm("echo"));
    const wasi = await client.submit({ program: { runtime: "wasi", module: "wasm/echo.wasm" }, input: { items: ["a", { b: 2 }, [3]] } });
    for (const job of [py, wasi]) expect((await client.follow(job.id)).state).toBe("done");
    expect(await client.results(py.id)).toEqual(Array.from({ length: 50 }, (_, i) => i * i));
    expect(await client.results(wasi.id)).toEqual(["a", { b: 2 }, [3]]);
    expect(log.some((l) => l.includes("newer medusa-node"))).toBe(false);
  }, 240_000);

  test("an older build is told, in its log, that a newer node is on offer", async () => {
    const old = mkdtempSync(join(dir, "old-"));
    const [built] = await buildNode({ outDir: old, platforms: [platform!], naming: "plain", version: "0.0.1-1-g0000000" });
    const { nodeToken } = (await (await client.request("POST", "/v1/nodes", { name: "old pc" })).json()) as { nodeToken: string };
    const log: string[] = [];
    spawn([built!.path, "--gateway", stack.url, "--no-ui", "--slots", "1", "--settings", join(old, "settings.json")], { MEDUSA_NODE_TOKEN: nodeToken }, log);
    const offered = (await (await fetch(`${stack.url}/downloads/VERSION`)).text()).trim();
    const notice = await until(() => log.find((l) => l.includes("newer medusa-node")), 60_000, "the update notice");
    expect(notice).toBe(`[node] a newer medusa-node is available: ${offered} (this is 0.0.1-1-g0000000); download it from the site's Nodes page and restart (the node does not replace itself)`);
  }, 120_000);
});
