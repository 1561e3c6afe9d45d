// `jaksim predict`: the JSON document of issue 15, refusals of impossible or malformed histories (exit 2,
// one message naming the file and the field), an ESS too small refused, report.html and prediction.json with --out.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fileIn } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-predict-'));

const file = (name: string, text: string) => fileIn(dir, name, text);

const BARI = `salt0: 90
durYears: 3.5
minoxidil: false
history:
  - drug: baricitinib-4mg
    start: 0
    salt: [{ month: 3, value: 80 }, { month: 6, value: 70 }]
`;

describe('jaksim predict', () => {
  it('prints the JSON document: ess, now, options with responseBy and expectedMonthsToResponse', async () => {
    const r = await cli(['predict', file('bari.yaml', BARI), '--draws', '20000', '--workers', '1', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.now).toBe(6);
    expect(doc.ess).toBeGreaterThan(100);
    expect(doc.options.map((o: { option: string }) => o.option)).toEqual(['continue', 'switch:ritlecitinib-50mg', 'switch:deuruxolitinib-8mg']);
    for (const o of doc.options) {
      expect(o.responseBy).toHaveLength(36);
      expect(Object.keys(o.responseBy[0])).toEqual(['month', 'rate', 'lo', 'hi']);
      // Cumulative: never falls; the interval holds the rate.
      for (let m = 1; m < 36; m++) expect(o.responseBy[m].rate).toBeGreaterThanOrEqual(o.responseBy[m - 1].rate);
      for (const p of o.responseBy) expect(p.lo <= p.rate && p.rate <= p.hi).toBe(true);
      expect(o.expectedMonthsToResponse).toBeGreaterThan(0);
      expect(o.expectedMonthsToResponse).toBeLessThanOrEqual(36);
    }
  });

  it('prints a table and writes report.html and prediction.json with --out', async () => {
    const out = join(dir, 'out1');
    const r = await cli(['predict', file('bari2.yaml', BARI), '--draws', '5000', '--workers', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^continue\s+\d+%/m);
    expect(r.out).toMatch(/Ranked by response within 12 months/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(JSON.parse(readFileSync(join(out, 'prediction.json'), 'utf8')).options).toHaveLength(3);
  });

  const refusals: [string, string, RegExp][] = [
    ['a drug not in the catalog', BARI.replace('baricitinib-4mg', 'tofacitinib'), /history\[0\]\.drug: expected a drug of the scenario's catalog/],
    ['SALT above 100', BARI.replace('value: 70', 'value: 120'), /history\[0\]\.salt\[1\]\.value: expected .*100.*got 120/],
    ['scores out of order', BARI.replace('month: 6', 'month: 2'), /history\[0\]\.salt\[1\]\.month: expected months in increasing order/],
    ['a response on a drug never taken (a score before its start)',
      `${BARI.replace('start: 0\n', 'start: 0\n    stop: 6\n')}  - drug: ritlecitinib-50mg\n    start: 8\n    salt: [{ month: 7, value: 10 }]\n`,
      /history\[1\]\.salt\[0\]\.month: expected a month on ritlecitinib-50mg \(from 8\)/],
    ['a running line before the last', `${BARI}  - drug: ritlecitinib-50mg\n    start: 8\n`, /history\[0\]\.stop: expected a stop month/],
    ['a score outside its line', BARI.replace('start: 0\n', 'start: 0\n    stop: 4\n'), /history\[0\]\.salt\[1\]\.month: expected a month on baricitinib-4mg \(from 0 to 4\)/],
    ['lines out of order', `${BARI.replace('start: 0\n', 'start: 0\n    stop: 6\n')}  - drug: ritlecitinib-50mg\n    start: 5\n`, /history\[1\]\.start: expected a month at or after the previous line's stop \(6\)/],
    ['an unknown field', BARI.replace('minoxidil: false', 'minoxidill: false'), /minoxidill: expected no such field.*did you mean "minoxidil"/],
    ['a history too unlikely (SALT 90 -> 0 in a week, then back)',
      BARI.replace('{ month: 3, value: 80 }, { month: 6, value: 70 }', '{ month: 0.25, value: 0 }, { month: 0.5, value: 100 }, { month: 0.75, value: 0 }'),
      /too unlikely under the model.*effective sample size/],
  ];
  it.each(refusals)('refuses %s: exit 2, one message, nothing written', async (_, text, message) => {
    const out = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const r = await cli(['predict', file('bad.yaml', text), '--draws', '2000', '--workers', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/^jaksim: .*bad\.yaml/);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
