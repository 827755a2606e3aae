import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestGateway } from "@medusa/testing/node-gateway";
import { HeldPool } from "../test/held-pool.ts";
import { buildFile, hostPlatform } from "../build/targets.ts";
import { NodeAgent } from "./agent/agent.ts";
import { NodeControls } from "./ui/controls.ts";
import { ttyIdle } from "./ui/idle.ts";
import { NodeSettings, SettingsFile } from "./ui/settings.ts";
import { updateNotice } from "./update-notice.ts";

let gateway: TestGateway | undefined;
let agent: NodeAgent | undefined;
let dir: string | undefined;
afterEach(async () => {
  await agent?.stop({ graceMs: 0 });
  gateway?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A node of `version` connects; the gateway's welcome offers `offered`. */
async function connect(version: string, offered?: string) {
  dir = mkdtempSync(join(tmpdir(), "medusa-update-"));
  gateway = new TestGateway();
  const lines: string[] = [];
  agent = new NodeAgent({ url: gateway.url, token: gateway.token, slots: 1, pool: new HeldPool(), version, log: (l) => lines.push(l) }).start();
  const conn = await gateway.until("hello", () => gateway!.conns[0]?.received.some((m) => m.type === "hello") && gateway!.conns[0]);
  conn.send({ type: "welcome", nodeId: "n1", ...(offered ? { nodeVersion: offered } : {}) });
  await gateway.until("welcomed", () => agent!.status().nodeId === "n1");
  const controls = new NodeControls({ agent, file: new SettingsFile(join(dir, "settings.json")), settings: NodeSettings.parse({}), defaultSlots: 1, maxSlots: 1, idle: ttyIdle() });
  return { lines, status: controls.status() };
}

describe("a node older than the gateway's offer", () => {
  test("says so in its log and its local UI, with the download for this computer", async () => {
    const { lines, status } = await connect("0.1.0-140-gaaaaaaa", "0.1.0-150-gbbbbbbb");
    expect(lines).toContain("[node] a newer medusa-node is available: 0.1.0-150-gbbbbbbb (this is 0.1.0-140-gaaaaaaa); download it from the site's Nodes page and restart (the node does not replace itself)");
    const platform = hostPlatform();
    expect(status.version).toBe("0.1.0-140-gaaaaaaa");
    expect(status.update).toEqual({ version: "0.1.0-150-gbbbbbbb", download: platform ? `${gateway!.httpUrl}/downloads/${buildFile(platform)}` : null, page: `${gateway!.httpUrl}/nodes` });
  });

  test("a current node, or a gateway that offers nothing, says nothing", async () => {
    const same = await connect("0.1.0-150-gbbbbbbb", "0.1.0-150-gbbbbbbb");
    expect(same.lines.some((l) => l.includes("newer medusa-node"))).toBe(false);
    expect(same.status.update).toBeNull();
    expect(updateNotice("0.1.0-150-gbbbbbbb", undefined)).toBeNull();
    expect(updateNotice("0.1.0-dev", "0.9.0-1-gccccccc")).toBeNull();
  });
});
