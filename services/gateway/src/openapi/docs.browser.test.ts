import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chromiumAvailable, launchBrowser, type TestBrowser } from "@medusa/testing/chromium";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

/** /docs in Chromium: the API reference renders from /v1/openapi.json with nothing fetched from another origin. */
const hasChromium = chromiumAvailable();
let t: TestGateway;
let server: ReturnType<typeof listen>["server"];
let browser: TestBrowser;

beforeAll(async () => {
  if (!hasChromium) return;
  t = testGateway();
  ({ server } = listen(t));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.stop(true);
  await t?.close();
});

describe.skipIf(!hasChromium)("/docs", () => {
  test("renders every tag and the job routes, loading only this gateway's files", async () => {
    const page = await browser.page();
    const origin = `http://127.0.0.1:${server.port}`;
    const foreign: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
    await page.goto(`${origin}/docs`);
    await page.getByText("Medusa API").first().waitFor();
    for (const tag of ["accounts", "files", "jobs", "sessions", "nodes"]) await page.locator(`#operations-tag-${tag}`).waitFor();
    const submit = page.locator("#operations-jobs-submitJob");
    await submit.waitFor();
    expect(await submit.textContent()).toContain("Submit a job");
    await submit.locator("button.opblock-summary-control").click();
    await page.getByText("chunkSize").first().waitFor();
    expect(foreign).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
