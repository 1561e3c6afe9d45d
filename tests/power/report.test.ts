// The power report in headless Chromium: loads with no console error and no request but itself; curve, band and chosen n drawn.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/pool.js';
import { runPowerAnalysis } from '../../src/app/power.js';
import { powerCsv, powerReportHtml } from '../../src/io/powerReport.js';
import { compileScenario } from '../../src/model/compile.js';
import { visitReport } from '../io/browser.js';
import { knownScenario, plan } from './fixture.js';

describe('power report.html', () => {
  it('draws the power curve with its band, the chosen n and the effect distribution; nothing loaded', async () => {
    const single = (id: string) => ({ id, sequence: [id], failAtMonths: 12, afterLastLine: 'stay' });
    const s = knownScenario({ a: 0.5, c: 0.8 }, [single('a'), single('c')]);
    const engine = new Engine({ workers: 1 });
    let r;
    try {
      r = await runPowerAnalysis(engine, compileScenario(s), plan(s, { arms: 'a,c', n: '40,80,160', trials: 100 }));
    } finally {
      await engine.close();
    }
    expect(r.sampleSize).not.toBeNull();
    const html = await powerReportHtml(r, 'jaksim power fixture');
    expect(html).not.toMatch(/<script|(src|href)="https?:/);
    expect(html).toContain(`n = ${r.sampleSize}`);
    expect(powerCsv(r).trim().split('\n').filter((l) => l.startsWith('curve,'))).toHaveLength(3);
    const file = join(mkdtempSync(join(tmpdir(), 'jaksim-power-report-')), 'report.html');
    writeFileSync(file, html);
    const visit = await visitReport(file, ['#power-curve svg .mark-line path', '#power-curve svg .mark-area path']);
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toEqual([pathToFileURL(file).href]);
    expect(visit.paths['#power-curve svg .mark-line path']).toBe(2); // power and type I error
    expect(visit.paths['#power-curve svg .mark-area path']).toBe(1); // the power's band
    expect(html).toContain('id="effect-distribution"');
  });
});
