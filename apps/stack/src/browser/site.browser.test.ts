import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startNode, type NodeAgent } from "@medusa/node";
import { MedusaClient } from "@medusa/client";
import type { Stack } from "@medusa/stack/stack";
import { chromiumAvailable, screenshotPath, type TestBrowser } from "@medusa/testing/chromium";
import { startSite, type SiteUnderTest } from "../../test/site-stack.ts";

/** The consumer site in Debian's Chromium against the embedded stack: what a person does, checked on the page. */
let stack: Stack;
let browser: TestBrowser;
const PASSWORD = "correct horse battery";

const hasChromium = chromiumAvailable();

let site: SiteUnderTest | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  site = await startSite("medusa-site-");
  ({ stack, browser } = site);
}, 60_000);

afterAll(() => site?.close());

async function logIn(page: Page, email: string) {
  await new MedusaClient(stack.url).signUp(email, PASSWORD);
  await page.goto(`${stack.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL("**/jobs");
}

/** Submits the new-job form; fails with what the page says when the job is not accepted. */
async function submitJob(page: Page) {
  await page.getByRole("button", { name: "Submit job" }).click();
  const refused = page.locator(".form-error:not(:empty), .field-error:not([hidden])").first();
  // Whichever comes first; the loser's rejection (page closed, timeout) is of no interest.
  await Promise.race([page.waitForURL(/\/jobs\/job_/).catch(() => {}), refused.waitFor().catch(() => {})]);
  if (!/\/jobs\/job_/.test(page.url())) throw new Error(`job refused: ${await refused.textContent()}`);
}

const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name });
const fieldError = (page: Page, label: string) => page.locator(".field", { has: page.getByLabel(label, { exact: true }) }).locator(".field-error");

describe.skipIf(!hasChromium)("the website", () => {
  test("sign up, upload a file by drag and drop, submit a job, watch it reach 100%, download the results", async () => {
    const page = await browser.page();
    await page.goto(`${stack.url}/`);
    await page.waitForURL("**/login");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    const apiKey = await page.locator("pre.secret").textContent();
    expect(apiKey).toMatch(/^\S{16,}$/);
    expect(await page.getByTestId("python-start").textContent()).toBe(`curl -O ${stack.url}/medusa.py\nexport MEDUSA_URL=${stack.url} MEDUSA_API_KEY=${apiKey}`);
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/jobs");
    expect(await page.getByTestId("balance").textContent()).toMatch(/\d/);

    // Upload: drop a file on the drop zone, as a person dragging it from their desktop would.
    await nav(page, "Files").click();
    await page.getByLabel("Folder (optional)").fill("data");
    const lines = Array.from({ length: 400 }, (_, i) => String(i));
    // Runs in the page, which has DOM types this project's TypeScript does not load.
    const drop = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${JSON.stringify(lines.join("\n") + "\n")}], "numbers.txt", { type: "text/plain" }));
      return dt;
    })()`);
    await page.getByTestId("dropzone").dispatchEvent("drop", { dataTransfer: drop });
    await expect(page.getByTestId("upload").textContent()).resolves.toContain("numbers.txt");
    await page.getByRole("cell", { name: "data/numbers.txt", exact: true }).waitFor();
    expect(await page.getByTestId("upload").textContent()).toContain("uploaded");

    // New job over that file, slow enough per chunk to be watched.
    await nav(page, "New job").click();
    await page.getByLabel("Name").fill("doubles");
    await page.getByLabel("Program (Python)").fill("def map(line):\n    s = 0\n    for i in range(60000):\n        s += i\n    return int(line) * 2\n");
    await page.getByLabel("An uploaded file").check();
    await page.getByLabel("File", { exact: true }).selectOption("data/numbers.txt");
    await page.getByLabel("Items per chunk").fill("5");
    expect(await page.getByTestId("cost").textContent()).toContain("Worst-case cost");
    await submitJob(page);

    // Mid-job: some chunks done, not all; that is the README's screenshot.
    await page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { value: number; max: number } | null } }).document;
        const bar = doc.querySelector("[data-testid=job-progress]");
        return bar !== null && bar.max >= 80 && bar.value >= bar.max * 0.2 && bar.value < bar.max * 0.8;
      },
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    // The first results are on the page while the job still runs, in input order.
    await page.getByTestId("job-first-results").filter({ hasText: /^0\n2\n4\n6\n/ }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("job-state").textContent()).toBe("running");
    // The grid shows the chunks nodes hold now (from the events that name each leased chunk).
    await page.locator("canvas.chunks").and(page.locator('[aria-label*=" running"]')).waitFor();
    await page.waitForFunction(
      () => / [1-9]\d* running$/.test((globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } } }).document.querySelector("canvas.chunks")!.getAttribute("aria-label") ?? ""),
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    await page.screenshot({ path: screenshotPath("job-page.png"), fullPage: true });

    await page.getByTestId("job-percent").filter({ hasText: "100%" }).waitFor({ timeout: 90_000 });
    await page.getByTestId("job-state").filter({ hasText: "done" }).waitFor();
    expect(await page.getByTestId("job-progress").evaluate((el) => {
      const bar = el as unknown as { value: number; max: number };
      return [bar.value, bar.max];
    })).toEqual([80, 80]);
    expect(await page.getByTestId("job-results").textContent()).toStartWith("0\n2\n4\n6");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download results" }).click()]);
    const text = await Bun.file((await download.path())!).text();
    expect(text.trim().split("\n").map(Number)).toEqual(lines.map((l) => Number(l) * 2));
    expect(browser.errors).toEqual([]);
  }, 180_000);

  test("a failing job shows its error in full", async () => {
    const page = await browser.page();
    await logIn(page, "bob@example.com");
    await nav(page, "New job").click();
    await page.getByLabel("Program (Python)").fill("def map(x):\n    return 10 // x\n");
    await page.getByLabel("Items (JSON array)").check();
    await page.getByLabel("Items", { exact: true }).fill("[5, 2, 0, 1]");
    await page.getByLabel("Items per chunk").fill("2");
    await submitJob(page);
    const error = page.getByTestId("job-error");
    await error.waitFor({ timeout: 60_000 });
    const message = await error.textContent();
    expect(message).toContain("ZeroDivisionError");
    expect(message).toContain("item 2");
    expect(await page.getByTestId("job-state").textContent()).toBe("failed");
    expect(await page.getByRole("alert").filter({ hasText: "ZeroDivisionError" }).count()).toBe(1);
  }, 90_000);

  test("cancel on the job page stops the job and hides itself", async () => {
    const page = await browser.page();
    await logIn(page, "eve@example.com");
    await nav(page, "New job").click();
    await page.getByLabel("Program (Python)").fill("def map(x):\n    s = 0\n    for i in range(200000):\n        s += i\n    return s\n");
    await page.getByLabel("Stop (not included)").fill("5000");
    await page.getByLabel("Items per chunk").fill("10");
    await submitJob(page);
    await page.getByTestId("job-state").filter({ hasText: "running" }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByTestId("job-state").filter({ hasText: "cancelled" }).waitFor();
    expect(await page.getByRole("button", { name: "Cancel job" }).isVisible()).toBe(false);
    const [done, total] = await page.getByTestId("job-progress").evaluate((el) => {
      const bar = el as unknown as { value: number; max: number };
      return [bar.value, bar.max];
    });
    expect(total).toBe(500);
    expect(done).toBeLessThan(total);
  }, 60_000);

  test("the API's errors appear beside the field they name", async () => {
    const page = await browser.page();
    await logIn(page, "cy@example.com");
    await nav(page, "New job").click();
    await page.getByLabel("Items per chunk").fill("0");
    await page.getByRole("button", { name: "Submit job" }).click();
    await fieldError(page, "Items per chunk").waitFor();
    expect(await page.getByLabel("Items per chunk").getAttribute("aria-invalid")).toBe("true");
    expect(await fieldError(page, "Stop (not included)").isVisible()).toBe(false);

    await page.getByLabel("Items per chunk").fill("10");
    await page.getByLabel("Items (JSON array)").check();
    await page.getByLabel("Items", { exact: true }).fill("[1, 2,");
    await page.getByRole("button", { name: "Submit job" }).click();
    expect(await fieldError(page, "Items").textContent()).toContain("JSON array");

    // More than the budget can pay: 100 chunks at 1 credit, budget 5 → 402, shown at the budget.
    await page.getByLabel("A range of numbers").check();
    await page.getByLabel("Stop (not included)").fill("1000");
    await page.getByLabel("Price per chunk (credits)").fill("1");
    await page.getByLabel("Budget (max credits)").fill("5");
    expect(await page.getByTestId("worst-case").textContent()).toBe("100");
    await page.getByRole("button", { name: "Submit job" }).click();
    await fieldError(page, "Budget (max credits)").waitFor();
    expect(await fieldError(page, "Budget (max credits)").textContent()).toContain("maxCredits");
    expect(page.url()).toEndWith("/jobs/new");
  }, 60_000);

  test("the nodes page gives a token and the command to run, and shows the node running", async () => {
    const page = await browser.page();
    await logIn(page, "dee@example.com");
    await nav(page, "Nodes").click();
    await page.getByLabel("Name").fill("lab pc");
    await page.getByRole("button", { name: "Use a token instead" }).click();
    const command = (await page.getByTestId("copy-text").first().textContent())!;
    expect(command).toMatch(new RegExp(`^MEDUSA_NODE_TOKEN=\\S+ medusa-node --gateway ${stack.url}$`));
    const token = command.split(" ")[0]!.slice("MEDUSA_NODE_TOKEN=".length);
    expect(await page.getByTestId("node-state").textContent()).toBe("offline");

    let node: NodeAgent | undefined;
    try {
      node = await startNode({ gateway: stack.url, token, slots: 1, warmPython: 0, log: () => {} });
      await page.getByTestId("node-state").filter({ hasText: "online" }).waitFor({ timeout: 15_000 });
      const row = page.locator("tr", { has: page.getByTestId("node-state") });
      expect(await row.textContent()).toContain("lab pc");
      expect(await row.textContent()).toContain(node.status().sandbox);
    } finally {
      await node?.stop({ graceMs: 0 });
    }
    await page.getByTestId("node-state").filter({ hasText: "offline" }).waitFor({ timeout: 15_000 });
  }, 60_000);
});
