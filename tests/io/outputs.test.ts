// Result files that load in pandas, R and a spreadsheet: read back by Python's csv module (an independent RFC 4180
// reader; R is not installed on this machine, so read.csv is not run), one naming scheme across files (sweep.csv is
// curves.csv behind its grid columns, a sweep's comparisons.csv the run's), the counts behind every rate, a month-0
// row, and power.csv's assumptions on every row.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { powerCsv, type PowerResult } from '../../src/io/powerReport.js';

/** Header and rows of each CSV file, parsed by Python's csv module into dicts (as pandas' and R's readers would). */
function pythonTable(file: string): { head: string[]; rows: Record<string, string>[] } {
  const script = 'import csv, json, sys; r = csv.reader(open(sys.argv[1], newline="")); h = next(r); print(json.dumps([h, [dict(zip(h, x)) for x in r]]))';
  const [head, rows] = JSON.parse(execFileSync('python3', ['-c', script, file], { maxBuffer: 1 << 28 }).toString()) as [string[], Record<string, string>[]];
  return { head, rows };
}

const IDS = ['wait, then "switch"', 'switch at 6'];
const onlyFolder = (dir: string) => join(dir, readdirSync(dir)[0]);

describe('result files across run and sweep', () => {
  const root = mkdtempSync(join(tmpdir(), 'jaksim-outputs-'));
  let runDir = '';
  let sweepDir = '';

  beforeAll(async () => {
    const scenario = join(root, 'names.yaml');
    const sequence = ['baricitinib-4mg', 'ritlecitinib-50mg'];
    writeFileSync(scenario, JSON.stringify({
      name: 'names', seed: 11, patients: 2000, horizon: 12,
      catalog: { file: join(process.cwd(), 'scenarios/catalog.calibrated.yaml'), drugs: sequence },
      policies: [{ id: IDS[0], sequence, failAtMonths: 9 }, { id: IDS[1], sequence, failAtMonths: 6 }],
    }));
    const quiet = { out: () => {}, err: () => {} };
    expect(await runCli(['run', scenario, '--workers', '1', '--out', join(root, 'run')], quiet)).toBe(0);
    expect(await runCli(['sweep', scenario, '--workers', '1', '--out', join(root, 'sweep'), '--set', 'policies[1].failAtMonths=3,6'], quiet)).toBe(0);
    runDir = onlyFolder(join(root, 'run', 'names'));
    sweepDir = onlyFolder(join(root, 'sweep', 'names'));
  });

  it('curves.csv: the ids survive, a month-0 row, the counts behind the rates', () => {
    const { rows } = pythonTable(join(runDir, 'curves.csv'));
    expect([...new Set(rows.map((r) => r.policy))]).toEqual(IDS);
    for (const id of IDS) {
      const mine = rows.filter((r) => r.policy === id);
      expect(mine.map((r) => Number(r.month))).toEqual(Array.from({ length: 13 }, (_, m) => m));
      expect(mine[0]).toMatchObject({ responders: '0', cumulative: '0', point_responders: '0', point: '0', lo: '0' });
      for (const r of mine) {
        expect(Number(r.patients)).toBe(2000);
        expect(Number(r.responders) / 2000).toBeCloseTo(Number(r.cumulative), 12);
        expect(Number(r.point_responders) / 2000).toBeCloseTo(Number(r.point), 12);
      }
      // cumulative response never falls (a count of patients who have ever responded)
      expect(mine.every((r, i) => i === 0 || Number(r.responders) >= Number(mine[i - 1].responders))).toBe(true);
    }
  });

  it('sweep.csv is curves.csv behind grid_point and the swept path; at the run\'s own value the rows are the run\'s', () => {
    const curves = pythonTable(join(runDir, 'curves.csv'));
    const sweep = pythonTable(join(sweepDir, 'sweep.csv'));
    expect(sweep.head).toEqual(['grid_point', 'policies[1].failAtMonths', ...curves.head]);
    const atSix = sweep.rows.filter((r) => r['policies[1].failAtMonths'] === '6');
    expect(atSix.map((r) => curves.head.map((h) => r[h]))).toEqual(curves.rows.map((r) => curves.head.map((h) => r[h])));
    expect(new Set(sweep.rows.map((r) => r.grid_point))).toEqual(new Set(['0', '1']));
  });

  it('comparisons.csv: tidy rows a, b, month, diff, lo, hi with the secondary outputs; the sweep\'s has the run\'s columns', () => {
    const cmp = pythonTable(join(runDir, 'comparisons.csv'));
    expect(cmp.head.slice(0, 9)).toEqual(['a', 'b', 'month', 'patients', 'a_responders', 'b_responders', 'diff', 'lo', 'hi']);
    for (const h of ['nonresponse_months_diff', 'lines_used_lo', 'months_on_baricitinib_4mg_hi', 'cost_per_patient_diff']) expect(cmp.head).toContain(h);
    expect(cmp.rows.map((r) => [r.a, r.b])).toEqual(Array(13).fill(IDS));
    const curves = pythonTable(join(runDir, 'curves.csv')).rows;
    const responders = (id: string, month: string) => Number(curves.find((r) => r.policy === id && r.month === month)!.responders);
    for (const r of cmp.rows) {
      expect(Number(r.a_responders)).toBe(responders(IDS[0], r.month));
      expect(Number(r.b_responders)).toBe(responders(IDS[1], r.month));
      // the paired difference is the difference of the two rates (b - a), each from its own count
      expect(Number(r.diff)).toBeCloseTo((Number(r.b_responders) - Number(r.a_responders)) / 2000, 12);
      expect(Number(r.lo)).toBeLessThanOrEqual(Number(r.diff));
    }
    const swept = pythonTable(join(sweepDir, 'comparisons.csv'));
    expect(swept.head).toEqual(['grid_point', 'policies[1].failAtMonths', ...cmp.head]);
    const atSix = swept.rows.filter((r) => r['policies[1].failAtMonths'] === '6');
    expect(atSix.map((r) => cmp.head.map((h) => r[h]))).toEqual(cmp.rows.map((r) => cmp.head.map((h) => r[h])));
  });

  it('the sweep folder lists its comparisons.csv', () => {
    expect(readdirSync(sweepDir).sort()).toEqual(['comparisons.csv', 'report.html', 'sweep.csv', 'sweep.json']);
  });
});

describe('power.csv', () => {
  it('carries the assumptions (design, end point, alpha, test, arms and their rates, ratio) on every row', () => {
    const point = (n: number) => ({ n, nA: n / 2, nB: n / 2, power: 0.5, lo: 0.4, hi: 0.6, typeIError: 0.05, typeILo: 0.03, typeIHi: 0.07,
      effect: { mean: 0.1, sd: 0.05, q025: 0, q25: 0.07, q50: 0.1, q75: 0.13, q975: 0.2 }, means: [{ id: 'b, "two"', mean: 0.3 }, { id: 'a', mean: 0.2 }] });
    const r: PowerResult = { design: 'parallel', scenario: 's', endpoint: 'cumulative@12', test: 'fisher', alpha: 0.025, sides: 1,
      arms: ['a', 'b, "two"'], ratio: '2:1', options: null, decisionMonth: null, compare: null, trials: 100, seed: 1, target: 0.8,
      results: [point(100), point(200)], sampleSize: null, sampleSizeSearch: { note: 'x', runs: [point(150)] }, elapsedSeconds: 1 };
    const file = join(mkdtempSync(join(tmpdir(), 'jaksim-power-')), 'power.csv');
    writeFileSync(file, powerCsv(r));
    const { rows } = pythonTable(file);
    expect(rows.map((x) => x.kind)).toEqual(['curve', 'curve', 'search']);
    for (const x of rows) {
      expect(x).toMatchObject({ design: 'parallel', endpoint: 'cumulative@12', alpha: '0.025', sides: '1', test: 'fisher',
        arm1: 'a', arm2: 'b, "two"', ratio: '2:1', arm1_rate: '0.2', arm2_rate: '0.3' });
    }
  });
});
