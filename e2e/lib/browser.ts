// A real browser for end-to-end tests: Debian's Chromium headless shell (apt: chromium-headless-shell,
// installed by scripts/test.sh) driven by playwright-core through its executablePath, no browser
// download. Host names resolve as the test says (a Sprite URL's wildcard domain has no DNS here), and
// screenshots are kept under test-results/screenshots as the run's artefacts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ROOT } from "./bundles.js";

export const CHROMIUM = process.env.PUCK_TEST_CHROMIUM ?? "/usr/bin/chromium-headless-shell";
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");

export interface TestBrowser {
  browser: Browser;
  /** A new page in a fresh context (its own cookies). */
  page(): Promise<Page>;
  /** Saves the page as test-results/screenshots/NAME.png; returns the path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with every host name under `domain` resolved to `address` (host:port is not
 * allowed there: the port goes in the URL), as a wildcard DNS record would.
 */
export async function launchBrowser(resolve: { domain: string; address: string }): Promise<TestBrowser> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI: Chromium's sandbox needs an unprivileged user namespace it cannot have as root here.
    args: ["--no-sandbox", `--host-resolver-rules=MAP *.${resolve.domain} ${resolve.address}`],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    page: async () => (await browser.newContext()).newPage(),
    async screenshot(page, name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}
