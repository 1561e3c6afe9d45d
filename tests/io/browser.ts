// Load a report.html in headless Chromium (system or bundled: chromium.ts; driven by playwright-core) and record what it does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { chooseChromium, type ChromiumChoice } from './chromium.js';

let choice: ChromiumChoice | undefined;
/** The browser the tests drive, resolved (and for the bundled one unpacked) on first use. */
export const browserChoice = (): ChromiumChoice => (choice ??= chooseChromium());

export interface PageVisit {
  consoleErrors: string[];
  requests: string[];
  /** Number of SVG path elements with a non-empty `d`, per CSS selector asked for. */
  paths: Record<string, number>;
  title: string;
  /** Per name asked for in `reads`: the text (attribute `text`) or the attribute of every element of the selector, in page order. */
  reads: Record<string, string[]>;
}

/** What to read off the page: a name -> [CSS selector, attribute name or `text`]. */
export type PageReads = Record<string, [selector: string, attribute: string]>;

/** A headless browser with a fresh profile (removed again by `close`). */
export async function openBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'jaksim-chromium-'));
  const browser = browserChoice();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    env: browser.env,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Open `file` with scripts disabled or enabled, record console errors and every request, count SVG paths. */
export async function visitReport(file: string, selectors: string[], screenshot?: string, toRead: PageReads = {}): Promise<PageVisit> {
  const { context, close } = await openBrowser();
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
    context.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
    const paths: Record<string, number> = {};
    for (const sel of selectors) {
      paths[sel] = await page.locator(sel).evaluateAll((els) => els.filter((e) => (e.getAttribute('d') ?? '').length > 10).length);
    }
    const reads: Record<string, string[]> = {};
    for (const [name, [sel, attr]] of Object.entries(toRead)) {
      reads[name] = await page.locator(sel).evaluateAll((els, a) => els.map((e) => (a === 'text' ? e.textContent ?? '' : e.getAttribute(a) ?? '')), attr);
    }
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, requests, paths, title: await page.title(), reads };
  } finally {
    await close();
  }
}
