// The browser tests need nothing outside the npm registry: the Chromium inside @sparticuz/chromium unpacks and
// renders a page here whether or not a system Chromium is installed (this test always takes the npm path).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { bundledChromium, chooseChromium, SYSTEM_CHROMIUM } from './chromium.js';

describe('Chromium for the browser tests', () => {
  it('JAKSIM_CHROMIUM=bundled takes the npm package; a missing JAKSIM_CHROMIUM path is an error, not a fallback', () => {
    expect(chooseChromium({ JAKSIM_CHROMIUM: 'bundled' }).source).toBe('bundled');
    expect(() => chooseChromium({ JAKSIM_CHROMIUM: '/nonexistent/chromium' })).toThrow(/JAKSIM_CHROMIUM=\/nonexistent\/chromium/);
    expect(['system', 'bundled']).toContain(chooseChromium({}).source);
    expect(chooseChromium({}).executablePath === SYSTEM_CHROMIUM).toBe(chooseChromium({}).source === 'system');
  });

  it('the bundled Chromium unpacks (with its own NSS libraries and fonts) and draws an SVG page headless', async () => {
    const choice = bundledChromium();
    expect(choice.executablePath).toMatch(/node_modules\/\.cache\/jaksim-chromium\/[\d.]+\/chromium$/);
    expect(bundledChromium().executablePath).toBe(choice.executablePath); // unpacked once, then reused
    // It needs nothing from the system but glibc and libgcc: NSS, NSPR and expat resolve to the bundle.
    const libs = execFileSync('ldd', [choice.executablePath], { env: choice.env, encoding: 'utf8' }).split('\n')
      .map((l) => /^\s*(\S+)(?: => (\S+))?/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    expect(libs.filter(([line]) => /not found/.test(line))).toEqual([]);
    const fromSystem = libs.filter(([, , path]) => path && !path.startsWith(dirname(choice.executablePath))).map(([, name]) => name);
    for (const name of fromSystem) expect(name).toMatch(/^(libc|libm|libdl|libpthread|libgcc_s|ld-linux-x86-64)\.so/);
    expect(libs.find(([, name]) => name === 'libnss3.so')?.[2]).toBe(join(dirname(choice.executablePath), 'al2023', 'lib', 'libnss3.so'));
    const page = join(mkdtempSync(join(tmpdir(), 'jaksim-chromium-')), 'page.html');
    writeFileSync(page, '<!DOCTYPE html><title>t</title><p>Hello</p><svg width="50" height="50"><path d="M0 0 L 40 40 L 0 40 Z"/></svg>');
    const browser = await chromium.launch({
      executablePath: choice.executablePath, env: choice.env, headless: true, args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const tab = await browser.newPage();
      await tab.goto(`file://${page}`);
      expect(await tab.title()).toBe('t');
      expect(await tab.locator('path').getAttribute('d')).toBe('M0 0 L 40 40 L 0 40 Z');
      const box = await tab.locator('p').boundingBox();
      expect(box!.width).toBeGreaterThan(10); // text laid out: fonts found
      expect(browser.version()).toMatch(/^\d+\./);
    } finally {
      await browser.close();
    }
  });
});
