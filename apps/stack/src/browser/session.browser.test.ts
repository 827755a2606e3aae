import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startNode, type NodeAgent } from "@medusa/node";
import { MedusaClient } from "@medusa/client";
import type { Stack } from "@medusa/stack/stack";
import { chromiumAvailable, screenshotPath, type TestBrowser } from "@medusa/testing/chromium";
import { startSite, type SiteUnderTest } from "../../test/site-stack.ts";

/** The session page in Debian's Chromium against the embedded stack with two local nodes. */
let stack: Stack;
let browser: TestBrowser;
const PASSWORD = "correct horse battery";

const hasChromium = chromiumAvailable();

let site: SiteUnderTest | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  site = await startSite("medusa-site-sessions-");
  ({ stack, browser } = site);
}, 60_000);

afterAll(() => site?.close());

const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name });
const fieldError = (page: Page, label: string) => page.locator(".field", { has: page.getByLabel(label, { exact: true }) }).locator(".field-error");
const balance = async (page: Page) => Number((await page.getByTestId("balance").textContent())!.replace(/\D/g, ""));
/** What each point of a chart says it is, in round order. */
const chartValues = (page: Page, testid: string, mark: string) =>
  page
    .getByTestId(testid)
    .locator(mark)
    .evaluateAll((els) => els.map((el) => [Number(el.getAttribute("data-round")), Number(el.getAttribute("data-value"))]));

/** Clicks Start session; fails with what the page says when the session is not started. */
async function startSession(page: Page) {
  await page.getByRole("button", { name: "Start session" }).click();
  const refused = page.locator(".form-error:not(:empty), .field-error:not([hidden])").first();
  await Promise.race([page.waitForURL(/\/sessions\/ses_/).catch(() => {}), refused.waitFor().catch(() => {})]);
  if (!/\/sessions\/ses_/.test(page.url())) throw new Error(`session refused: ${await refused.textContent()}`);
}

describe.skipIf(!hasChromium)("the session page", () => {
  test("sign up, start the k-means session, run 5 rounds, watch the loss fall, reload, end it and see the spend", async () => {
    const page = await browser.page();
    await page.goto(`${stack.url}/signup`);
    await page.getByLabel("Email").fill("kay@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/jobs");
    await page.getByTestId("balance").filter({ hasText: /\d/ }).waitFor();
    const before = await balance(page);
    expect(before).toBeGreaterThan(0);

    await nav(page, "Sessions").click();
    await page.getByRole("heading", { name: "New session" }).waitFor();
    expect(await page.getByLabel("Program (Python)").inputValue()).toContain("def step(state, params):");
    expect(JSON.parse(await page.getByLabel("Initial centroids").inputValue())).toHaveLength(8);
    await page.getByLabel("Partitions").fill("2");
    await page.getByLabel("Price per round per partition (credits)").fill("1");
    expect(await page.getByTestId("round-cost").textContent()).toBe("2");
    expect(await page.getByTestId("session-cost").textContent()).toContain("Held when it starts: 2,000 credits");
    await startSession(page);

    await page.getByTestId("session-state").filter({ hasText: "ready" }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("session-events").textContent()).toContain("Ready: 2 partitions set up");
    await page.getByLabel("Rounds to run").fill("5");
    await page.getByRole("button", { name: "Run rounds" }).click();
    await page.getByTestId("run-status").filter({ hasText: "Ran 5 of 5 rounds" }).waitFor({ timeout: 60_000 });

    const losses = await chartValues(page, "value-chart", "circle");
    expect(losses.map(([round]) => round)).toEqual([1, 2, 3, 4, 5]);
    const values = losses.map(([, loss]) => loss!);
    // K-means never raises its loss; from a random start it falls well before it settles near the noise's variance (6).
    values.slice(1).forEach((loss, i) => expect(loss).toBeLessThanOrEqual(values[i]!));
    expect(values[4]!).toBeLessThan(values[0]! * 0.8);
    expect(values[4]!).toBeGreaterThan(5);
    const latencies = await chartValues(page, "latency-chart", "rect");
    expect(latencies.map(([round]) => round)).toEqual([1, 2, 3, 4, 5]);
    latencies.forEach(([, ms]) => expect(ms).toBeGreaterThan(0));
    expect(await page.getByTestId("session-rounds").textContent()).toBe("5");
    expect(await page.getByTestId("session-params").textContent()).toStartWith("Centroids: (");
    await page.getByTestId("session-spent").filter({ hasText: "10" }).waitFor();
    await page.screenshot({ path: screenshotPath("session-page.png"), fullPage: true });

    // A reload keeps the rounds and the centroids (in localStorage): round 6 goes on from round 5's.
    await page.reload();
    await page.getByTestId("session-state").filter({ hasText: "ready" }).waitFor();
    expect(await chartValues(page, "value-chart", "circle")).toEqual(losses);
    await page.getByLabel("Rounds to run").fill("1");
    await page.getByRole("button", { name: "Run rounds" }).click();
    await page.getByTestId("run-status").filter({ hasText: "Ran 1 of 1 round" }).waitFor({ timeout: 60_000 });
    const [round6, loss6] = (await chartValues(page, "value-chart", "circle"))[5]!;
    expect(round6).toBe(6);
    expect(loss6).toBeLessThanOrEqual(values[4]!);

    await page.getByRole("button", { name: "End session" }).click();
    await page.getByTestId("session-state").filter({ hasText: "ended" }).waitFor();
    expect(await page.getByTestId("session-ended").textContent()).toContain("Session ended: 12 credits spent on 6 rounds");
    expect(await page.getByRole("button", { name: "End session" }).isVisible()).toBe(false);
    // 6 rounds × 2 partitions × 1 credit, once the rest of the escrow has come back.
    await page.getByTestId("balance").filter({ hasText: (before - 12).toLocaleString("en-US") }).waitFor({ timeout: 15_000 });
    expect(await page.locator("#held").textContent()).toBe("");

    // The page remembers the session: back on the sessions page it is listed, ended.
    await nav(page, "Sessions").click();
    const row = page.locator("tr", { has: page.getByRole("link", { name: "k-means" }) });
    await row.waitFor();
    expect(await row.textContent()).toContain("ended");
    expect(browser.errors).toEqual([]);
  }, 180_000);

  test("on a phone, by keyboard: errors beside their field, rounds run with Enter, nothing wider than the screen", async () => {
    const page = await browser.page();
    await page.setViewportSize({ width: 390, height: 844 });
    await new MedusaClient(stack.url).signUp("lee@example.com", PASSWORD);
    await page.goto(`${stack.url}/login?next=/sessions`);
    await page.getByLabel("Email").fill("lee@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Password").press("Enter");
    await page.waitForURL("**/sessions");

    await page.getByLabel("Start from an example").selectOption("roundtrip");
    expect(await page.getByLabel("Send the same params every round").isChecked()).toBe(true);
    await page.getByLabel("Items (JSON array)").check();
    await page.getByLabel("Items", { exact: true }).fill("[1, 2, 3");
    await page.getByRole("button", { name: "Start session" }).press("Enter");
    expect(await fieldError(page, "Items").textContent()).toContain("JSON array");
    expect(await page.getByLabel("Items", { exact: true }).evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).toBe(true);

    // The API's refusal lands beside the field it names.
    await page.getByLabel("Items", { exact: true }).fill("[1, 2, 3, 4, 5, 6]");
    await page.getByLabel("Partitions").fill("10");
    await page.getByRole("button", { name: "Start session" }).click();
    await fieldError(page, "Partitions").waitFor();
    expect(await fieldError(page, "Partitions").textContent()).toContain("at least as many items");

    await page.getByLabel("Partitions").fill("3");
    await startSession(page);
    await page.getByTestId("session-state").filter({ hasText: "ready" }).waitFor({ timeout: 60_000 });
    await page.getByLabel("Rounds to run").fill("3");
    await page.getByLabel("Rounds to run").press("Enter");
    await page.getByTestId("run-status").filter({ hasText: "Ran 3 of 3 rounds" }).waitFor({ timeout: 60_000 });
    // step returns len(state): the partials sum to the 6 items every round.
    expect(await chartValues(page, "value-chart", "circle")).toEqual([[1, 6], [2, 6], [3, 6]]);
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBe(0);

    await page.getByRole("button", { name: "End session" }).focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("session-state").filter({ hasText: "ended" }).waitFor();
    expect(await page.getByTestId("session-ended").textContent()).toContain("9 credits spent on 3 rounds");
    expect(browser.errors).toEqual([]);
  }, 120_000);
  test("a node that leaves mid-run: the page shows its partition moving and the rounds go on", async () => {
    // A second node, owned by a volunteer, beside the local one: the session's two partitions land one on each.
    const anon = new MedusaClient(stack.url);
    const volunteer = anon.withKey((await anon.signUp("vic@example.com", PASSWORD)).apiKey);
    const { nodeToken } = (await (await volunteer.request("POST", "/v1/nodes", { name: "leaves" })).json()) as { nodeToken: string };
    let node: NodeAgent | undefined = await startNode({ gateway: stack.url, token: nodeToken, slots: 1, warmPython: 0, log: () => {} });
    try {
      for (let i = 0; i < 150; i++) {
        const { nodes } = (await (await volunteer.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ state: string }> };
        if (nodes[0]?.state === "online") break;
        await Bun.sleep(100);
      }
      const page = await browser.page();
      await new MedusaClient(stack.url).signUp("max@example.com", PASSWORD);
      await page.goto(`${stack.url}/login?next=/sessions`);
      await page.getByLabel("Email").fill("max@example.com");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL("**/sessions");
      // Each round takes a while on every partition, so the node can leave with a round in flight.
      await page.getByLabel("Program (Python)").fill("import time\n\ndef setup(items):\n    return items\n\ndef step(state, params):\n    t = time.time()\n    while time.time() - t < 0.7:\n        pass\n    return len(state)\n");
      await page.getByLabel("Send the same params every round").check();
      await page.getByLabel("Items (JSON array)").check();
      await page.getByLabel("Items", { exact: true }).fill("[1, 2, 3, 4]");
      await page.getByLabel("Partitions").fill("2");
      await startSession(page);
      await page.getByTestId("session-state").filter({ hasText: "ready" }).waitFor({ timeout: 90_000 });
      await page.getByLabel("Rounds to run").fill("3");
      await page.getByRole("button", { name: "Run rounds" }).click();
      await page.getByTestId("value-chart").locator("circle").first().waitFor({ timeout: 30_000 });
      await node.stop({ graceMs: 0 });
      node = undefined;
      await page.getByTestId("session-events").filter({ hasText: /Partition \d moved to node/ }).waitFor({ timeout: 30_000 });
      await page.getByTestId("run-status").filter({ hasText: "Ran 3 of 3 rounds" }).waitFor({ timeout: 90_000 });
      // Every round answered once, by all partitions: 4 items each time.
      expect(await chartValues(page, "value-chart", "circle")).toEqual([[1, 4], [2, 4], [3, 4]]);
      expect(await page.getByTestId("session-state").textContent()).toBe("ready");
      await page.getByRole("button", { name: "End session" }).click();
      await page.getByTestId("session-state").filter({ hasText: "ended" }).waitFor();
      expect(browser.errors).toEqual([]);
    } finally {
      await node?.stop({ graceMs: 0 });
    }
  }, 240_000);
});
