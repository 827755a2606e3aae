import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeAgent } from "../agent/agent.ts";
import { HeldPool } from "../../test/held-pool.ts";
import { TestGateway } from "@medusa/testing/node-gateway";
import { NodeControls } from "./controls.ts";
import { ttyIdle } from "./idle.ts";
import { serveLocalUi, type LocalUi } from "./server.ts";
import { NodeSettings, SettingsFile } from "./settings.ts";

/** The local UI over real HTTP: what it serves, what it accepts, and what it refuses. */
let dir: string;
let gateway: TestGateway;
let agent: NodeAgent;
let controls: NodeControls;
let ui: LocalUi;
let file: SettingsFile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-ui-"));
  gateway = new TestGateway();
  file = new SettingsFile(join(dir, "settings.json"));
  agent = new NodeAgent({ url: gateway.url, token: gateway.token, slots: 1, pool: new HeldPool(), version: "t", log: () => {} }).start();
  controls = await new NodeControls({ agent, file, settings: NodeSettings.parse({}), defaultSlots: 1, maxSlots: 2, idle: ttyIdle() }).start();
  ui = serveLocalUi(controls, { port: 0 });
});

afterAll(async () => {
  ui.stop();
  controls.stop();
  await agent.stop({ graceMs: 0 });
  gateway.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** fetch() sets Host from the URL; a raw request lets the test send any Host. */
async function raw(method: string, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; text: string }> {
  const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${Buffer.byteLength(body)}`, "connection: close", "", body];
  let text = "";
  await new Promise<void>((resolve, reject) => {
    Bun.connect({
      hostname: "127.0.0.1",
      port: ui.port,
      socket: {
        open: (s) => void s.write(lines.join("\r\n")),
        data: (_s, d) => void (text += d.toString()),
        close: () => resolve(),
        error: (_s, e) => reject(e),
      },
    }).catch(reject);
  });
  return { status: Number(text.split(" ")[1]), text };
}

const put = (patch: unknown, headers: Record<string, string> = {}) =>
  fetch(`${ui.url}api/settings`, { method: "PUT", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(patch) });

describe("local UI server", () => {
  test("serves the page, its script and styles with a strict CSP, and the status", async () => {
    const page = await fetch(ui.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Medusa node</h1>");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect((await fetch(`${ui.url}ui.js`)).headers.get("content-type")).toContain("text/javascript");
    expect((await fetch(`${ui.url}ui.css`)).status).toBe(200);
    const status = await (await fetch(`${ui.url}api/status`)).json();
    expect(status).toMatchObject({ gateway: gateway.httpUrl, sandbox: "process", slots: { current: 1, max: 2 }, chunks: { running: 0, doneToday: 0 } });
  });

  test("a change from the page's own origin is applied and saved", async () => {
    const res = await put({ paused: true }, { origin: ui.url.slice(0, -1) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { activity: string }).activity).toBe("paused");
    expect(agent.status().paused).toBe(true);
    expect((await file.load()).settings.paused).toBe(true);
    expect((await put({ paused: false })).status).toBe(200);
    expect(agent.status().paused).toBe(false);
  });

  test("a foreign Origin is refused, and nothing changes", async () => {
    for (const origin of ["http://evil.example", `http://127.0.0.1:${ui.port + 1}`, "null"]) {
      const res = await put({ paused: true }, { origin });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Origin");
    }
    const read = await fetch(`${ui.url}api/status`, { headers: { origin: "http://evil.example" } });
    expect(read.status).toBe(403);
    expect(agent.status().paused).toBe(false);
    expect((await file.load()).settings.paused).toBe(false);
  });

  test("a foreign Host (DNS rebinding) is refused; the UI's own names are served", async () => {
    const rebound = await raw("PUT", "/api/settings", { host: `evil.example:${ui.port}`, "content-type": "application/json" }, '{"paused":true}');
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain("Host evil.example");
    expect((await raw("GET", "/api/status", { host: `evil.example:${ui.port}` })).status).toBe(403);
    expect((await raw("GET", "/", {})).status).toBe(400);
    expect((await raw("GET", "/api/status", { host: `localhost:${ui.port}` })).status).toBe(200);
    expect(agent.status().paused).toBe(false);
  });

  test("a bad value names its setting once, in words: not `slots: slots: Invalid input`", async () => {
    for (const [slots, reason] of [["many", "expected a number"], [null, "expected a number"], [1.5, "expected a whole number"], [3, "must be at most 2 on this computer"]] as const) {
      const res = await put({ slots });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; details: { issues: Array<{ field: string; message: string }> } } };
      expect(error.message).toBe(`slots: ${reason}`);
      expect(error.details.issues).toEqual([{ field: "slots", message: reason }]);
    }
  });

  test("bad changes get a 4xx naming the problem", async () => {
    const form = await fetch(`${ui.url}api/settings`, { method: "PUT", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "paused=true" });
    expect(form.status).toBe(415);
    const notJson = await fetch(`${ui.url}api/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
    const tooMany = await put({ slots: 3 });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: unknown }).error).toMatchObject({ code: "invalid_field", details: { issues: [{ field: "slots" }] } });
    expect((await fetch(`${ui.url}api/settings`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${ui.url}nope`)).status).toBe(404);
  });
});
