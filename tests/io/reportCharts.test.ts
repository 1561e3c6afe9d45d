// Charts a researcher can put on a slide, checked in headless Chromium (system or bundled, tests/io/chromium.ts) on a
// screenshot's page: legends in scenario order (not alphabetical) with solid swatches, differences in their own
// palette, a dash pattern per policy so coinciding curves stay apart, plain axis titles with units, and a sweep over
// two values drawn as points (no line); the power report lists its assumptions and the resolved scenario.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { powerReportHtml, type PowerResult } from '../../src/io/powerReport.js';
import { visitReport } from './browser.js';

// Scenario order is not alphabetical; `wait-9mo-copy` is `wait-9mo` again, so their curves coincide exactly.
const IDS = ['wait-9mo', 'switch-6mo', 'wait-9mo-copy'];
const SEQUENCE = ['baricitinib-4mg', 'ritlecitinib-50mg'];

function report(root: string, name: string): string {
  const [run] = readdirSync(join(root, name));
  return join(root, name, run, 'report.html');
}

async function cli(args: string[]): Promise<number> {
  return runCli(args, { out: () => {}, err: () => {} });
}

describe('report charts on a slide', () => {
  const root = mkdtempSync(join(tmpdir(), 'jaksim-charts-'));
  let runReport = '';
  let sweepReport = '';

  beforeAll(async () => {
    const scenario = join(root, 'order.yaml');
    writeFileSync(scenario, JSON.stringify({
      name: 'order', seed: 5, patients: 3000, horizon: 24,
      catalog: { file: join(process.cwd(), 'scenarios/catalog.calibrated.yaml'), drugs: SEQUENCE },
      policies: [{ id: IDS[0], sequence: SEQUENCE, failAtMonths: 9 }, { id: IDS[1], sequence: SEQUENCE, failAtMonths: 6 },
        { id: IDS[2], sequence: SEQUENCE, failAtMonths: 9 }],
      comparisons: [[IDS[0], IDS[1]], [IDS[0], IDS[2]]],
    }));
    expect(await cli(['run', scenario, '--workers', '1', '--out', root])).toBe(0);
    runReport = report(root, 'order');
    const sweepRoot = join(root, 'sweep');
    expect(await cli(['sweep', scenario, '--workers', '1', '--out', sweepRoot, '--set', 'policies[1].failAtMonths=3,6'])).toBe(0);
    sweepReport = report(sweepRoot, 'order');
  });

  it('run report: legends in scenario order with solid swatches, a separate palette and a dash per series', async () => {
    const shot = join(root, 'run.png');
    const chart = '#cumulative-chart svg';
    const diff = '#difference-chart svg';
    const page = await visitReport(runReport, [`${chart} .mark-line path`, `${diff} .mark-line path`], shot, {
      legend: [`${chart} .role-legend-label text`, 'text'],
      swatchFill: [`${chart} .role-legend-symbol path`, 'fill'],
      swatchOpacity: [`${chart} .role-legend-symbol path`, 'opacity'],
      lineStroke: [`${chart} .mark-line path`, 'stroke'],
      lineDash: [`${chart} .mark-line path`, 'stroke-dasharray'],
      diffLegend: [`${diff} .role-legend-label text`, 'text'],
      diffStroke: [`${diff} .mark-line path`, 'stroke'],
      axisTitles: ['svg .role-axis-title text', 'text'],
      lineLabels: [`${chart} .mark-line path`, 'aria-label'],
    });
    expect(page.consoleErrors).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(10_000); // a real screenshot of the page was taken
    expect(page.paths).toEqual({ [`${chart} .mark-line path`]: 3, [`${diff} .mark-line path`]: 2 });
    const r = page.reads;
    expect(r.legend).toEqual(IDS); // scenario order, not alphabetical
    expect(r.diffLegend).toEqual([`${IDS[1]} - ${IDS[0]}`, `${IDS[2]} - ${IDS[0]}`]);
    // Solid swatches: filled at full opacity, one colour per policy, the colour of its line.
    expect(r.swatchOpacity.every((o) => o === '1')).toBe(true);
    expect(new Set(r.swatchFill).size).toBe(3);
    expect(r.swatchFill.every((f) => /^#[0-9a-f]{6}$/i.test(f))).toBe(true);
    expect(new Set(r.lineStroke)).toEqual(new Set(r.swatchFill));
    // Coinciding curves (wait-9mo and its copy) are told apart by their dash pattern.
    expect(new Set(r.lineDash).size).toBe(3);
    // The differences' colours are none of the policies'.
    expect(r.diffStroke.filter((c) => r.swatchFill.includes(c))).toEqual([]);
    // Axis titles are plain words with units, never a raw field path.
    expect(r.axisTitles).toContain('time since the start of the first line (months)');
    expect(r.axisTitles).toContain('cumulative response (% of patients)');
    expect(r.axisTitles.filter((t) => /[.[\]]|^(rate|lo|hi|diff|month|x)$/.test(t))).toEqual([]);
    expect(r.lineLabels[0]).toMatch(/time since the start of the first line \(months\): 0;/); // curves start at month 0
  });

  it('sweep over two values: points with interval bars on an ordinal axis, no line; plain axis title', async () => {
    const shot = join(root, 'sweep.png');
    const fig = '#sweep-line-24-0 svg';
    const page = await visitReport(sweepReport, [`${fig} .mark-line path`, `${fig} .mark-symbol.role-mark path`, `${fig} .mark-rule line`], shot, {
      legend: [`${fig} .role-legend-label text`, 'text'],
      axisTitles: [`${fig} .role-axis-title text`, 'text'],
      ticks: [`${fig} .role-axis-label text`, 'text'],
    });
    expect(page.consoleErrors).toEqual([]);
    expect(existsSync(shot)).toBe(true);
    expect(page.paths[`${fig} .mark-line path`]).toBe(0); // nothing was computed between 3 and 6 months
    expect(page.paths[`${fig} .mark-symbol.role-mark path`]).toBe(6); // 2 values x 3 policies
    expect(page.reads.legend).toEqual(IDS);
    expect(page.reads.axisTitles).toContain('months on a drug before declaring failure (policy 2)');
    expect(page.reads.axisTitles.some((t) => t.includes('failAtMonths'))).toBe(false);
    expect(page.reads.ticks.slice(0, 2)).toEqual(['3', '6']); // ordinal x: the two values, in order
    // Every comparison of the scenario in the key numbers, at both grid points.
    const html = readFileSync(sweepReport, 'utf8');
    for (const c of [`${IDS[1]} - ${IDS[0]}`, `${IDS[2]} - ${IDS[0]}`]) expect(html.split(c).length - 1).toBeGreaterThanOrEqual(2);
  });

  it('power report: the assumptions and the resolved scenario are on the page', async () => {
    const point = { n: 100, nA: 50, nB: 50, power: 0.8, lo: 0.75, hi: 0.85, typeIError: 0.05, typeILo: 0.03, typeIHi: 0.07,
      effect: { mean: 0.1, sd: 0.05, q025: 0, q25: 0.07, q50: 0.1, q75: 0.13, q975: 0.2 }, means: [{ id: 'a', mean: 0.2 }, { id: 'b', mean: 0.3 }] };
    const result: PowerResult = { design: 'parallel', scenario: 's', endpoint: 'cumulative@12', test: 'z', alpha: 0.05, sides: 2,
      arms: ['a', 'b'], ratio: '1:1', options: null, decisionMonth: null, compare: null, trials: 200, seed: 1, target: 0.8,
      results: [point, { ...point, n: 200, nA: 100, nB: 100 }], sampleSize: 100, sampleSizeSearch: null, elapsedSeconds: 1 };
    const file = join(root, 'power.html');
    writeFileSync(file, await powerReportHtml(result, 'jaksim power s', [], { name: 's', policies: [{ id: 'a' }, { id: 'b' }] }));
    const page = await visitReport(file, ['#power-curve svg .mark-line path'], join(root, 'power.png'), {
      cells: ['table td', 'text'], scenario: ['#resolved-scenario', 'text'], axisTitles: ['svg .role-axis-title text', 'text'],
    });
    expect(page.consoleErrors).toEqual([]);
    expect(page.paths['#power-curve svg .mark-line path']).toBe(2); // power and type I error
    for (const cell of ['parallel groups', 'a vs b', '1:1', 'cumulative@12', 'z', '0.05, 2-sided', 'a: 0.200; b: 0.300']) expect(page.reads.cells).toContain(cell);
    expect(page.reads.scenario[0]).toContain('name: s');
    expect(page.reads.axisTitles).toContain('total sample size (patients)');
  });
});
