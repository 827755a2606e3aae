import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core, for the browser tests: a
 * fresh profile each time, nothing fetched from the network. `.ci/run`
 * installs the package; `CHROMIUM` overrides the path.
 */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/**
 * Like the Redis and NATS suites: a machine without Chromium prints a skip,
 * unless MEDUSA_REQUIRE_SERVICES=1 (CI, which installs it) makes it a failure.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `Chromium is not at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;
  if (process.env.MEDUSA_REQUIRE_SERVICES === "1") throw new Error(`${why}, and MEDUSA_REQUIRE_SERVICES=1`);
  console.warn(`SKIP: ${why}; the browser suite is skipped.`);
  return false;
}

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab that fails the test on any uncaught page error. */
  page(): Promise<Page>;
  /** Page errors seen so far (uncaught exceptions in the site's scripts). */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "medusa-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: options.width ?? 1200, height: options.height ?? 900 },
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async page() {
      const page = await context.newPage();
      page.on("pageerror", (err) => errors.push(err.message));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Where a test's screenshot goes: docs/ (committed, shown in the README) when
 * MEDUSA_UPDATE_SCREENSHOTS=1, a scratch folder otherwise, so an ordinary test
 * run leaves the work tree clean.
 */
export function screenshotPath(name: string): string {
  const docs = new URL("../../../docs/", import.meta.url).pathname;
  const dir = process.env.MEDUSA_UPDATE_SCREENSHOTS === "1" ? docs : join(tmpdir(), "medusa-screenshots");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
