// report.html in a real headless browser (system Chromium or @sparticuz/chromium's, via playwright-core): it loads with no console
// error and no request but the file itself, and the curves are SVG paths drawn by vega. Also the page's
// promises that need no browser: no script, no external reference.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { visitReport } from './browser.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function reportIn(root: string, name: string): string {
  const runs = readdirSync(join(root, name));
  expect(runs).toHaveLength(1);
  return join(root, name, runs[0], 'report.html');
}

describe('report.html', () => {
  const root = mkdtempSync(join(tmpdir(), 'jaksim-report-'));
  let runReport = '';
  let sweepReport = '';
  let sweep1Report = '';

  beforeAll(async () => {
    const run = await cli(['run', 'scenarios/partial-responders.yaml', '--patients', '5000', '--workers', '1', '--out', root]);
    expect(run.code).toBe(0);
    runReport = reportIn(root, 'partial-responders');
    expect(run.out).toContain(`Report: `);
    expect(run.out.trim().endsWith('report.html')).toBe(true);
    const sweep = await cli(['sweep', 'tests/fixtures/sweep-base.yaml', '--patients', '3000', '--workers', '1', '--out', root,
      '--set', 'failAtMonths=6,9', '--set', 'rhoClass=0,1']);
    expect(sweep.code).toBe(0);
    sweepReport = reportIn(root, 'sweep-base');
    const sweep1 = await cli(['sweep', 'scenarios/bari-ritle-costs.yaml', '--patients', '3000', '--workers', '1', '--out', root,
      '--set', 'rhoClass=0,0.5,1']);
    expect(sweep1.code).toBe(0);
    sweep1Report = reportIn(root, 'bari-ritle-costs');
  });

  it('is self-contained: no script, no link, no external URL but the SVG namespaces', () => {
    for (const file of [runReport, sweepReport, sweep1Report]) {
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)/i); // url(#gradient) is inside the page
      const urls = html.match(/https?:\/\/[^"'\s<>)]+/g) ?? [];
      expect(new Set(urls.filter((u) => !/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u)))).toEqual(new Set());
    }
    const run = readFileSync(runReport, 'utf8');
    expect(run).toContain('Resolved scenario');
    expect(run).toContain('fail-6mo-extend-partial - fail-6mo');
    expect(readFileSync(sweep1Report, 'utf8')).toContain('Cumulative response at 36 months against correlation.rhoClass');
  });

  it('loads in headless Chromium with no console error and no request but itself; the curves are SVG paths', async () => {
    const run = await visitReport(runReport, [
      '#cumulative-chart svg .mark-line path', '#cumulative-chart svg .mark-area path',
      '#difference-chart svg .mark-line path', '#difference-chart svg .mark-area path',
      '#by-line-chart svg .mark-rect path',
    ]);
    expect(run.consoleErrors).toEqual([]);
    expect(run.requests).toEqual([pathToFileURL(runReport).href]);
    expect(run.title).toBe('jaksim: partial-responders');
    expect(run.paths).toEqual({
      '#cumulative-chart svg .mark-line path': 3, // one curve per policy
      '#cumulative-chart svg .mark-area path': 3, // and its band
      '#difference-chart svg .mark-line path': 2, // one per comparison
      '#difference-chart svg .mark-area path': 2,
      '#by-line-chart svg .mark-rect path': 9, // 3 policies x 3 lines
    });

    const sweep = await visitReport(sweepReport, ['#sweep-heat-36 svg .mark-rect path', '#sweep-heat-12 svg .mark-rect path']);
    expect(sweep.consoleErrors).toEqual([]);
    expect(sweep.requests).toEqual([pathToFileURL(sweepReport).href]);
    // 2 x 2 cells per policy, 2 policies; the colour legend's gradient is a rect mark too
    expect(sweep.paths['#sweep-heat-36 svg .mark-rect path']).toBeGreaterThanOrEqual(8);
    expect(sweep.paths['#sweep-heat-12 svg .mark-rect path']).toBeGreaterThanOrEqual(8);

    const line = await visitReport(sweep1Report, ['#sweep-line-36-0 svg .mark-line path', '#sweep-line-12-0 svg .mark-line path']);
    expect(line.consoleErrors).toEqual([]);
    expect(line.requests).toEqual([pathToFileURL(sweep1Report).href]);
    expect(line.paths).toEqual({ '#sweep-line-36-0 svg .mark-line path': 2, '#sweep-line-12-0 svg .mark-line path': 2 });
  });
});
