// The clinic page (issue 15 point 4): `jaksim clinic --out DIR` writes one index.html that, opened from file:// in
// headless Chromium with the form filled in by its labels, computes in its Web Worker exactly the numbers of
// `jaksim predict --json` for the same patient, draws and seed; it fetches nothing; a form the model refuses
// gets the model's message.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLINIC_WORKER } from '../../src/app/clinic.js';
import { answer } from '../../src/app/clinicWorker.js';
import { parameterScenarios, predictScenario, runPredict } from '../../src/app/predict.js';
import { Engine } from '../../src/engine/pool.js';
import { cli } from '../fixtures/cli.js';
import { openBrowser } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-clinic-'));
const page = join(dir, 'clinic', 'index.html');
let browser: Awaited<ReturnType<typeof openBrowser>>;

beforeAll(async () => {
  const r = await cli(['clinic', '--out', join(dir, 'clinic'), '--parameter-draws', '2', 'scenarios/early-worsening.yaml']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  browser = await openBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Open the page, recording console errors and every URL requested. */
async function open(): Promise<{ tab: Page; errors: string[]; requests: string[] }> {
  const tab = await browser.context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  tab.on('pageerror', (e) => errors.push(String(e)));
  browser.context.on('request', (r) => requests.push(r.url()));
  await tab.goto(pathToFileURL(resolve(page)).href, { waitUntil: 'load' });
  return { tab, errors, requests };
}

/** Fill the form as a clinician would, by the controls' labels, and press Predict. */
async function fillBaricitinib(tab: Page, visits: string): Promise<void> {
  await tab.getByLabel('Baseline SALT (0–100)').fill('90');
  await tab.getByLabel('Episode duration (years)').fill('3.5');
  await tab.getByRole('button', { name: 'Add a line of treatment' }).click();
  await tab.getByLabel('Drug (line 1)').selectOption('baricitinib-4mg');
  await tab.getByLabel('Start (month)').fill('0');
  await tab.getByLabel('SALT visits (month:score, ...)').fill(visits);
  await tab.getByLabel('Population draws').fill('4000');
  await tab.getByLabel('Seed').fill('9');
  await tab.getByRole('button', { name: 'Predict', exact: true }).click();
}

describe('jaksim clinic', () => {
  it('its worker\'s code gives, in Node, the very bytes of predict (the same code; only the JavaScript engine differs in the browser)', async () => {
    const patient = { salt0: 90, durYears: 3.5, minoxidil: false, history: [{ drug: 'baricitinib-4mg', start: 0, salt: [{ month: 3, value: 80 }, { month: 6, value: 70 }] }] };
    const s = predictScenario(undefined);
    const { scenarios } = parameterScenarios(s, undefined, 2);
    const inWorker = answer({ scenario: s, runs: scenarios, parameterDraws: 2, patient, draws: 4096 * 2 + 5, sdObs: 5, seed: 4 });
    const engine = new Engine({ workers: 2 });
    try {
      const cliResult = await runPredict({ patient: 'the form', patientDoc: patient, draws: 4096 * 2 + 5, sdObs: 5, seed: 4, parameterDraws: 2 }, engine);
      expect(JSON.stringify(inWorker)).toBe(JSON.stringify(cliResult));
    } finally {
      await engine.close();
    }
  });

  it('writes one self-contained page with the worker bundle of the same src code inside', () => {
    const html = readFileSync(page, 'utf8');
    expect(existsSync(CLINIC_WORKER)).toBe(true);
    const bundle = readFileSync(CLINIC_WORKER, 'utf8');
    expect(html).toContain(Buffer.from(bundle).toString('base64'));
    // Nothing to fetch: no src= or href= pointing anywhere.
    expect(html).not.toMatch(/\s(src|href)=/);
  });

  it('gives in the browser the numbers of predict --json for the same patient, draws and seed', async () => {
    const { tab, errors, requests } = await open();
    await fillBaricitinib(tab, '3:80, 6:70');
    await tab.waitForSelector('#result[data-state=done]', { state: 'attached', timeout: 120_000 });
    const inPage = JSON.parse((await tab.locator('#result-json').textContent())!);
    const r = await cli(['predict', 'examples/patients/bari-6mo.yaml', '--draws', '4000', '--seed', '9', '--parameter-draws', '2', '--workers', '2', '--json']);
    expect(r.code).toBe(0);
    // The same document: every key, option, month and ranking; the numbers equal to the last bits the two
    // JavaScript engines share. Node 20's V8 and Chromium's differ in the last bit of Math.pow, Math.sin and
    // Math.cos for about one argument in ten (the normal draws use sin and cos), so the sums can differ by an ulp.
    const cliDoc = JSON.parse(r.out);
    let numbers = 0;
    const same = (a: unknown, b: unknown, path: string): void => {
      if (typeof a === 'number' && typeof b === 'number') {
        numbers++;
        // Relative to at least 1: a bound that is 0 up to rounding (a Wilson lower bound at no response: 0 in one engine,
        // 4e-19 in the other) is the rounding residue of a difference of O(1) terms, not a relative error.
        expect(Math.abs(a - b), `${path}: ${a} in the page, ${b} from the CLI`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a), Math.abs(b)));
      } else if (a !== null && typeof a === 'object') {
        expect(Object.keys(a), path).toEqual(Object.keys(b as object));
        for (const k of Object.keys(a)) same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      } else {
        expect(a, path).toBe(b);
      }
    };
    same(inPage, cliDoc, 'prediction');
    expect(numbers).toBeGreaterThan(1000);
    expect(inPage.parameterDraws).toBe(2);
    // The table and the curves: a row and a drawn curve per option in each chart.
    const rows = await tab.locator('#answers tbody tr[data-option]').evaluateAll((els) => els.map((e) => e.getAttribute('data-option')));
    expect(rows).toEqual(['continue', 'switch:ritlecitinib-50mg', 'switch:deuruxolitinib-8mg']);
    for (const chart of ['#response-chart', '#salt-chart']) {
      expect(await tab.locator(`${chart} path.curve`).evaluateAll((els) => els.filter((e) => (e.getAttribute('d') ?? '').length > 100).length)).toBe(3);
    }
    const firstCell = await tab.locator('#answers tbody tr[data-option=continue] td').nth(3).textContent();
    const m12 = inPage.options[0].responseBy[11];
    expect(firstCell).toBe(`${(100 * m12.rate).toFixed(0)}% (${(100 * m12.lo).toFixed(0)}%–${(100 * m12.hi).toFixed(0)}%)`);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    await tab.close();
  }, 240_000);

  it('shows the model\'s message for a form it refuses, and offers the scenarios given', async () => {
    const { tab } = await open();
    expect(await tab.getByLabel('Scenario').locator('option').allTextContents()).toEqual(['default: the calibrated approved drugs', expect.stringMatching(/early-worsening\.yaml\)$/)]);
    await fillBaricitinib(tab, '3:80, 2:70');
    await tab.waitForSelector('#result[data-state=error]', { state: 'attached', timeout: 60_000 });
    expect(await tab.locator('#status').textContent()).toMatch(/^the form: history line 1\.salt\[1\]\.month: expected months in increasing order/);
    await tab.getByLabel('SALT visits (month:score, ...)').fill('3 80');
    await tab.getByRole('button', { name: 'Predict', exact: true }).click();
    expect(await tab.locator('#status').textContent()).toMatch(/History line 1, SALT visits: expected month:score pairs such as 3:80, 6:70, got "3 80"/);
    await tab.close();
  }, 120_000);
});
