import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackEnv } from "@medusa/stack/env";
import { startStack, type Stack } from "@medusa/stack/stack";
import { launchBrowser, type TestBrowser } from "@medusa/testing/chromium";

/** What the site's browser suites run against: the embedded stack (one local node, one slot) in a scratch folder, and Chromium. */
export interface SiteUnderTest {
  stack: Stack;
  browser: TestBrowser;
  close(): Promise<void>;
}

export async function startSite(folderPrefix: string): Promise<SiteUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), folderPrefix));
  const stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
  const browser = await launchBrowser();
  return {
    stack,
    browser,
    async close() {
      await browser.close();
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
