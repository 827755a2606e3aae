import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActivationFailed, activateWithCode } from "./activation.ts";
import { CredentialsFile, credentialsPath } from "./credentials.ts";
import { startCredentials } from "./start-credentials.ts";
import { waitForActivation } from "./ui/activation-ui.ts";
import { openLocalUi } from "./ui/server.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-activation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Answers POST /v1/nodes/activate as the gateway does: one good code, the gateway's error body for any other. */
function fakeGateway() {
  const seen: unknown[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== "POST" || url.pathname !== "/base/v1/nodes/activate") return new Response("nope", { status: 404 });
      const body = (await req.json()) as { code: string };
      seen.push(body);
      if (body.code === "ABCDE-FGHJK") return Response.json({ nodeId: "node_1", nodeToken: "nt_secret", name: "lab pc" }, { status: 201 });
      return Response.json({ error: { code: "invalid_field", message: "code is unknown, already used or expired" } }, { status: 400 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/base/`, seen, stop: () => server.stop(true) };
}

describe("activateWithCode", () => {
  test("trades the code for the token; a refusal carries the gateway's words; an unreachable gateway says so", async () => {
    const gw = fakeGateway();
    try {
      expect(await activateWithCode(gw.url, "ABCDE-FGHJK")).toEqual({ v: 1, gateway: gw.url.slice(0, -1), token: "nt_secret", nodeId: "node_1", name: "lab pc" });
      const refused = await activateWithCode(gw.url, "ZZZZZ-ZZZZZ").catch((e) => e);
      expect(refused).toBeInstanceOf(ActivationFailed);
      expect(refused).toMatchObject({ message: "code is unknown, already used or expired", field: "code" });
      expect(gw.seen).toEqual([{ code: "ABCDE-FGHJK" }, { code: "ZZZZZ-ZZZZZ" }]);
    } finally {
      gw.stop();
    }
    const gone = await activateWithCode(gw.url, "ABCDE-FGHJK").catch((e) => e);
    expect(gone).toMatchObject({ field: "gateway", message: expect.stringContaining("cannot reach") });
  });
});

describe("CredentialsFile", () => {
  test("keeps the token beside the settings, readable by the owner alone", async () => {
    const file = new CredentialsFile(credentialsPath(join(dir, "cfg", "settings.json")));
    expect(file.path).toBe(join(dir, "cfg", "node.json"));
    expect(await file.load()).toEqual({ credentials: null });
    await file.save({ v: 1, gateway: "http://gw", token: "nt_x", nodeId: "node_1", name: "pc" });
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "cfg")).mode & 0o777).toBe(0o700);
    expect((await file.load()).credentials).toEqual({ v: 1, gateway: "http://gw", token: "nt_x", nodeId: "node_1", name: "pc" });
    await Bun.write(file.path, "{nonsense");
    expect((await file.load()).problem).toContain("activate the node again");
  });
});

describe("startCredentials", () => {
  const saved = { v: 1 as const, gateway: "http://gw/", token: "nt_saved" };
  test("a given token wins; else the saved one; else activation through the UI; else how to get one", () => {
    expect(startCredentials({ token: "t", gateway: "http://a", uiPort: 7077 }, saved)).toEqual({ kind: "ready", gateway: "http://a", token: "t" });
    expect(startCredentials({ token: "t", uiPort: 7077 }, saved)).toEqual({ kind: "ready", gateway: "http://gw/", token: "t" });
    expect(startCredentials({ token: "t", uiPort: 7077 }, null)).toMatchObject({ kind: "error", message: expect.stringContaining("--gateway is required") });
    expect(startCredentials({ uiPort: 7077 }, saved)).toEqual({ kind: "ready", gateway: "http://gw/", token: "nt_saved" });
    expect(startCredentials({ gateway: "http://gw", uiPort: 7077 }, saved)).toEqual({ kind: "ready", gateway: "http://gw/", token: "nt_saved" });
    expect(startCredentials({ gateway: "http://other,http://gw", uiPort: 7077 }, saved)).toEqual({ kind: "ready", gateway: "http://other,http://gw", token: "nt_saved" });
    expect(startCredentials({ gateway: "http://other", uiPort: 7077 }, saved)).toMatchObject({ kind: "error", message: expect.stringContaining("activated for http://gw/") });
    expect(startCredentials({ gateway: "http://gw", uiPort: 7077 }, null)).toEqual({ kind: "activate", gateway: "http://gw" });
    expect(startCredentials({ uiPort: null }, null)).toMatchObject({ kind: "error", message: expect.stringContaining("--token is required") });
  });
});

describe("activation in the local UI", () => {
  test("the form's code is traded and saved, and the node goes on with the token; bad input names its field", async () => {
    const gw = fakeGateway();
    const ui = openLocalUi({ port: 0 });
    const file = new CredentialsFile(join(dir, "ui", "node.json"));
    const lines: string[] = [];
    try {
      const activated = waitForActivation(ui, { gateway: gw.url, file, log: (l) => lines.push(l) });
      const page = await fetch(ui.url);
      expect(await page.text()).toContain("Activation code");
      expect(await (await fetch(`${ui.url}api/activation`)).json()).toEqual({ activated: false, gateway: gw.url });
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${ui.url}api/activate`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

      const foreign = await post({ gateway: gw.url, code: "ABCDE-FGHJK" }, { origin: "https://evil.example" });
      expect(foreign.status).toBe(403);
      const noUrl = await post({ gateway: "not a url", code: "ABCDE-FGHJK" });
      expect([noUrl.status, ((await noUrl.json()) as any).error.details.issues[0].field]).toEqual([400, "gateway"]);
      const wrong = await post({ gateway: gw.url, code: "ZZZZZ-ZZZZZ" });
      expect([wrong.status, ((await wrong.json()) as any).error]).toEqual([400, { code: "invalid_field", message: "code is unknown, already used or expired", details: { issues: [{ field: "code", message: "code is unknown, already used or expired" }] } }]);
      expect((await file.load()).credentials).toBeNull();

      const ok = await post({ gateway: gw.url, code: "ABCDE-FGHJK" });
      expect(await ok.json()).toEqual({ activated: true, name: "lab pc", nodeId: "node_1" });
      expect(await activated).toMatchObject({ token: "nt_secret", nodeId: "node_1" });
      expect((await file.load()).credentials?.token).toBe("nt_secret");
      expect(lines.join("\n")).toContain("activated as lab pc");
      expect(lines.join("\n")).not.toContain("nt_secret");
    } finally {
      ui.stop();
      gw.stop();
    }
  });
});
