import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { until } from "@medusa/testing/until";
import { chromiumAvailable, launchBrowser, screenshotPath, type TestBrowser } from "@medusa/testing/chromium";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "@medusa/stack/env";
import { startStack, type Stack } from "@medusa/stack/stack";
import { ttyIdle } from "@medusa/node/ui/idle";
import { startVolunteer, type Volunteer } from "@medusa/node/ui/volunteer";

/**
 * The volunteer's local UI in Chromium, driving a real node of the embedded
 * stack: pausing stops it taking chunks (and survives a restart), resuming
 * lets the job finish, and pages of another origin cannot drive it.
 */
let dir: string;
let stack: Stack;
let browser: TestBrowser;
let client: MedusaClient;
let token: string;
let node: Volunteer | undefined;
const settingsPath = () => join(dir, "node-settings.json");

const startNodeWithUi = () =>
  startVolunteer({ gateway: stack.url, token, slots: 1, uiPort: 0, settingsPath: settingsPath(), warmPython: 1, idle: ttyIdle(), log: () => {} });

const hasChromium = chromiumAvailable();

beforeAll(async () => {
  if (!hasChromium) return;
  dir = mkdtempSync(join(tmpdir(), "medusa-local-ui-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0" }), () => {});
  const anon = new MedusaClient(stack.url);
  client = anon.withKey((await anon.signUp("vol@example.com", "volunteer password")).apiKey);
  ({ nodeToken: token } = (await (await client.request("POST", "/v1/nodes", { name: "my laptop" })).json()) as { nodeToken: string });
  node = await startNodeWithUi();
  browser = await launchBrowser({ width: 900, height: 900 });
}, 60_000);

afterAll(async () => {
  if (!hasChromium) return;
  await browser?.close();
  await node?.stop({ graceMs: 0 });
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();
const waitText = (page: Page, id: string, value: string) => page.locator(`#${id}`).filter({ hasText: value }).waitFor({ timeout: 20_000 });
const saved = () => JSON.parse(readFileSync(settingsPath(), "utf8")) as { paused: boolean; slots?: number };

describe.skipIf(!hasChromium)("the volunteer's local UI", () => {
  test("pause stops the node taking chunks, even across a restart; resume lets the job finish", async () => {
    const page = await browser.page();
    await page.goto(node!.ui!.url);
    await waitText(page, "connection", "Connected");
    await waitText(page, "activity", "Taking chunks");
    expect(await text(page, "sandbox")).toBe(node!.agent.status().sandbox);

    await page.getByRole("button", { name: "Pause" }).click();
    await waitText(page, "activity", "Paused");
    expect(await page.getByRole("button", { name: "Resume" }).getAttribute("aria-pressed")).toBe("true");
    expect(saved().paused).toBe(true);

    // Kept across a restart: the new node comes up paused.
    await node!.stop({ graceMs: 0 });
    node = await startNodeWithUi();
    await page.goto(node.ui!.url);
    await waitText(page, "connection", "Connected");
    await waitText(page, "activity", "Paused");

    const job = await client.submit({ program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { range: { start: 0, stop: 20 } }, chunkSize: 2 });
    await Bun.sleep(3000);
    const waiting = await client.job(job.id);
    expect(waiting.chunks.done).toBe(0);
    expect(waiting.state === "queued" || waiting.state === "running").toBe(true);
    expect(node.agent.status()).toMatchObject({ running: 0, queued: 0, paused: true });
    expect(await text(page, "running")).toBe("0");

    await page.getByRole("button", { name: "Resume" }).click();
    await waitText(page, "activity", "Taking chunks");
    expect(saved().paused).toBe(false);
    expect((await client.follow(job.id)).state).toBe("done");
    expect(await client.results(job.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await waitText(page, "done-today", "10");
    // Ten chunks at the default price of 1: the page shows what the gateway counts once the payouts settle.
    await until(async () => (await client.nodes()).nodes[0]?.creditsEarned === 10, 30_000, "the node's payouts settled");
    await waitText(page, "credits", "10");

    // The CPU cap from the keyboard: End moves the slider to the most this computer allows.
    const max = Number(await page.getByLabel("CPU cap: chunks at once").getAttribute("max"));
    await page.getByLabel("CPU cap: chunks at once").focus();
    await page.keyboard.press("End");
    await page.locator("#message").filter({ hasText: `CPU cap set to ${max}` }).waitFor();
    expect(node.agent.status().slots).toBe(max);
    expect(saved().slots).toBe(max);
    await page.screenshot({ path: screenshotPath("local-ui.png"), fullPage: true });
    expect(browser.errors).toEqual([]);
  }, 120_000);

  test("a page from another origin cannot drive it; a request with a foreign Origin or Host is refused", async () => {
    const ui = node!.ui!.url;
    const before = saved();
    const page = await browser.page();
    // The gateway's own site is a different origin (another port): exactly what must be refused.
    await page.goto(`${stack.url}/login`);
    const outcome = await page.evaluate(`fetch(${JSON.stringify(`${ui}api/settings`)}, {
      method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ paused: true }),
    }).then((r) => "status " + r.status, (e) => "blocked: " + e.message)`);
    expect(outcome).toStartWith("blocked");
    const read = await page.evaluate(`fetch(${JSON.stringify(`${ui}api/status`)}).then((r) => "status " + r.status, (e) => "blocked: " + e.message)`);
    expect(read).toStartWith("blocked");

    const foreign = await fetch(`${ui}api/settings`, { method: "PUT", headers: { origin: "http://evil.example", "content-type": "application/json" }, body: '{"paused":true}' });
    expect(foreign.status).toBe(403);
    const rebound = await fetch(`${ui}api/status`, { headers: { host: `evil.example:${node!.ui!.port}` } });
    expect(rebound.status).toBe(403);

    expect(node!.agent.status().paused).toBe(false);
    expect(saved()).toEqual(before);
  }, 30_000);
});
