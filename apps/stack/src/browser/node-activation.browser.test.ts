import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { sha256Hex } from "@medusa/core";
import { buildFile, hostPlatform } from "@medusa/node/build/targets";
import { MedusaClient } from "@medusa/client";
import type { Stack } from "@medusa/stack/stack";
import { chromiumAvailable, screenshotPath, type TestBrowser } from "@medusa/testing/chromium";
import { until } from "@medusa/testing/until";
import { startSite, type SiteUnderTest } from "../../test/site-stack.ts";

/**
 * A volunteer's first node, as a person does it: the Nodes page offers this
 * computer's build (the embedded stack builds it on that first visit), "Add
 * a node" shows a one-time code, the downloaded executable, started with no
 * token, asks for the code on its own page, and the Nodes page shows it
 * online. Started again, it needs no flag at all.
 */
let site: SiteUnderTest | undefined;
let stack: Stack;
let browser: TestBrowser;
let home: string;
const PASSWORD = "correct horse battery";
const procs: Subprocess[] = [];
const hasChromium = chromiumAvailable();
const platform = hostPlatform();

beforeAll(async () => {
  if (!hasChromium || !platform) return;
  site = await startSite("medusa-activation-");
  ({ stack, browser } = site);
  home = mkdtempSync(join(tmpdir(), "medusa-activation-home-"));
}, 60_000);

afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
  await site?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** The node as a volunteer starts it: no token, no gateway; only where to keep its files and which UI port. */
function startNode(exe: string, uiPort: number, log: string[]): Subprocess {
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_CACHE_HOME: join(home, ".cache"), PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const proc = Bun.spawn([exe, "--slots", "1", "--ui-port", String(uiPort)], { cwd: home, env, stdout: "pipe", stderr: "pipe" });
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      for await (const chunk of stream) log.push(...new TextDecoder().decode(chunk).split("\n").filter(Boolean));
    })();
  }
  procs.push(proc);
  return proc;
}

const nodeState = (page: Page, name: string) => page.locator("tr", { hasText: name }).getByTestId("node-state");

describe.skipIf(!hasChromium || !platform)("adding a node without copying a token", () => {
  test("download → add node → code → the node's own page takes it → online; a restart needs no flag", async () => {
    await new MedusaClient(stack.url).signUp("vol@example.com", PASSWORD);
    const page = await browser.page();
    await page.goto(`${stack.url}/login`);
    await page.getByLabel("Email").fill("vol@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL("**/jobs");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Nodes" }).click();

    // First visit: the stack builds this computer's node; the page says so, then offers it first.
    const offer = page.getByTestId("downloads").locator("li").first();
    await offer.waitFor({ timeout: 90_000 });
    expect(await offer.getAttribute("data-platform")).toBe(platform!);
    const link = offer.getByRole("link");
    expect(await link.getAttribute("href")).toBe(`/downloads/${buildFile(platform!)}`);
    const shown = await offer.getByTestId("sha256").textContent();

    // Download it as the browser does, check it against the page's checksum, make it executable.
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const exe = join(home, buildFile(platform!));
    await download.saveAs(exe);
    expect(sha256Hex(new Uint8Array(await Bun.file(exe).arrayBuffer()))).toBe(shown!);
    chmodSync(exe, 0o755);

    await page.getByLabel("Name").fill("lab pc");
    await page.getByRole("button", { name: "Add node" }).click();
    const code = (await page.getByTestId("activation-code").textContent())!;
    expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(await page.getByTestId("code-expires").textContent()).toContain("15 more minute(s)");
    await page.screenshot({ path: screenshotPath("nodes-page.png"), fullPage: true });

    const uiPort = await freePort();
    const log: string[] = [];
    const first = startNode(exe, uiPort, log);
    const nodePage = await browser.page();
    await until(() => fetch(`http://127.0.0.1:${uiPort}/`).then((r) => r.ok, () => false), 60_000, "the node's activation page");
    await nodePage.goto(`http://127.0.0.1:${uiPort}/`);
    await nodePage.getByLabel("Site address").fill(stack.url);
    await nodePage.getByLabel("Activation code").fill(code.toLowerCase());
    await nodePage.screenshot({ path: screenshotPath("node-activation.png"), fullPage: true });
    await nodePage.getByRole("button", { name: "Activate" }).click();
    await nodePage.locator("#message").filter({ hasText: "Activated as lab pc" }).waitFor({ timeout: 30_000 });

    await nodeState(page, "lab pc").filter({ hasText: "online" }).waitFor({ timeout: 60_000 });
    expect(await page.locator("tr", { hasText: "lab pc" }).textContent()).toContain("os-sandbox");
    // The node's page has become its usual one, connected.
    await nodePage.locator("#connection").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
    expect(statSync(join(home, ".config/medusa-node/node.json")).mode & 0o777).toBe(0o600);
    expect(log.join("\n")).not.toContain(code);

    // The code is spent: a second try is refused with the reason.
    const again = await fetch(`${stack.url}/v1/nodes/activate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
    expect(again.status).toBe(400);

    first.kill("SIGTERM");
    await first.exited;
    await nodeState(page, "lab pc").filter({ hasText: "offline" }).waitFor({ timeout: 30_000 });
    startNode(exe, await freePort(), log);
    await nodeState(page, "lab pc").filter({ hasText: "online" }).waitFor({ timeout: 60_000 });
    expect(await page.locator("tr", { hasText: "lab pc" }).count()).toBe(1);
  }, 240_000);
});
