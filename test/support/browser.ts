import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './processes.js';

/**
 * A real headless browser (Debian's chromium, driven by playwright-core) on a network cut off from
 * everything but 127.0.0.1: any other request is aborted and recorded, so a test can assert the
 * page needed nothing from outside. Screenshots go to test-artifacts/ (gitignored).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface OfflineBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request to a host other than 127.0.0.1, each aborted. */
  blocked: string[];
  /** Console errors and uncaught page errors, for the failure message. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openOfflineBrowser(): Promise<OfflineBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (
      (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') &&
      url.hostname !== '127.0.0.1'
    ) {
      blocked.push(url.href);
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    context,
    page,
    blocked,
    errors,
    screenshot: async (name) => {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      return file;
    },
    close: () => browser.close(),
  };
}
