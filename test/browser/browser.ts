/**
 * Headless Chromium for the browser tests: the Debian package's
 * /usr/bin/chromium driven by playwright-core (never a downloaded browser).
 * The tests skip, saying why, when it is not installed; .ci/run installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SKIP_REASON = `SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`;

/** Where screenshots go: test-results/ at the repository root (git-ignored). */
export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for. */
  requests: string[];
  /** Console errors and uncaught page errors (a CSP violation shows up here). */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** CSS pixels. Default 1440 × 900 (a desktop). */
  viewport?: { width: number; height: number };
  /** A phone: meta viewport honoured, touch events. Default false. */
  mobile?: boolean;
  /** Device pixels per CSS pixel of the screenshots. Default 1. */
  deviceScaleFactor?: number;
}

/** A phone-sized viewport (iPhone 12–15: 390 × 844 CSS pixels). */
export const PHONE: BrowserOptions = { viewport: { width: 390, height: 844 }, mobile: true, deviceScaleFactor: 2 };

export async function openBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'gateway-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    context,
    page,
    requests,
    errors,
    async screenshot(name) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const path = join(RESULTS_DIR, name);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

if (!HAVE_CHROMIUM) process.stderr.write(`browser tests ${SKIP_REASON}\n`);
