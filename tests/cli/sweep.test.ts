// `jaksim sweep`: path resolution, grid expansion, rejection before anything runs, outputs, and each grid
// point equal to a separate run of the same scenario with the same seed.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { simulateScenario } from '../../src/app/run.js';
import { withEngine } from '../../src/engine/pool.js';
import { UserError } from '../../src/io/errors.js';
import { loadScenario } from '../../src/io/scenario.js';
import { expandGrid, parseSweepValue, resolvePath, sweepParameters } from '../../src/app/sweepGrid.js';

const base = loadScenario('tests/fixtures/sweep-base.yaml');

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sweep paths and values', () => {
  it('resolves full paths, last names and policy.X', () => {
    expect(resolvePath(base, 'correlation.rhoClass', 'x')).toBe('correlation.rhoClass');
    expect(resolvePath(base, 'rhoClass', 'x')).toBe('correlation.rhoClass');
    expect(resolvePath(base, 'policy.failAtMonths', 'x')).toBe('policy.failAtMonths');
    expect(resolvePath(base, 'failAtMonths', 'x')).toBe('policy.failAtMonths');
    expect(resolvePath(base, 'policies[1].failAtMonths', 'x')).toBe('policies[1].failAtMonths');
    expect(resolvePath(base, 'minoxidilShare', 'x')).toBe('population.minoxidilShare');
    expect(resolvePath(base, 'extendIfImprovedPct', 'x')).toBe('policy.extendIfImprovedPct');
    expect(resolvePath(base, 'catalog[0].mu', 'x')).toBe('catalog[0].mu');
    expect(resolvePath(base, 'seed', 'x')).toBe('seed');
  });

  it('rejects unknown and ambiguous paths, naming them', () => {
    expect(() => resolvePath(base, 'rhoKlass', '--set rhoKlass=1')).toThrow(/--set rhoKlass=1: "rhoKlass" is not a scenario field/);
    expect(() => resolvePath(base, 'mu', 'x')).toThrow(/"mu" is ambiguous: it could be catalog\[0\]\.mu, catalog\[1\]\.mu/);
    expect(() => resolvePath(base, 'min', 'x')).toThrow(/"min" is ambiguous/);
    expect(() => resolvePath(base, 'policies[5].failAtMonths', 'x')).toThrow(/there is no policy 5/);
    expect(() => resolvePath(base, 'a..b', 'x')).toThrow(UserError);
  });

  it('parses numbers, booleans and words', () => {
    expect([' 3', '0.25', '-1e-3', 'true', 'false', 'stay', ''].map(parseSweepValue)).toEqual([3, 0.25, -0.001, true, false, 'stay', '']);
  });

  it('expands the full grid, first parameter slowest, and sets policy.X in every policy', () => {
    const params = sweepParameters(base, 'f', ['policy.failAtMonths=3,12', 'rhoClass=0,0.5,1']);
    const grid = expandGrid(base, 'f', params);
    expect(grid.map((g) => g.values)).toEqual([
      { 'policy.failAtMonths': 3, 'correlation.rhoClass': 0 },
      { 'policy.failAtMonths': 3, 'correlation.rhoClass': 0.5 },
      { 'policy.failAtMonths': 3, 'correlation.rhoClass': 1 },
      { 'policy.failAtMonths': 12, 'correlation.rhoClass': 0 },
      { 'policy.failAtMonths': 12, 'correlation.rhoClass': 0.5 },
      { 'policy.failAtMonths': 12, 'correlation.rhoClass': 1 },
    ]);
    expect(grid[4].scenario.policies.map((p) => p.failAtMonths)).toEqual([12, 12]);
    expect(grid[4].scenario.correlation.rhoClass).toBe(0.5);
    expect(grid[4].scenario.seed).toBe(base.seed);
    expect(base.policies[0].failAtMonths).toBe(6); // the base is not modified
    const one = expandGrid(base, 'f', sweepParameters(base, 'f', ['policies[0].afterLastLine=stop,stay']));
    expect(one.map((g) => g.scenario.policies.map((p) => p.afterLastLine))).toEqual([['stop', 'stop'], ['stay', 'stop']]);
  });

  it('validates every grid point before running: a bad value is named with its field', () => {
    const params = sweepParameters(base, 'f', ['rhoClass=0,2']);
    expect(() => expandGrid(base, 'f', params)).toThrow(/sweep point correlation\.rhoClass=2: f: correlation\.rhoClass: expected a number <= 1, got 2/);
    const words = sweepParameters(base, 'f', ['failAtMonths=6,soon']);
    expect(() => expandGrid(base, 'f', words)).toThrow(/policies\[0\]\.failAtMonths: expected a finite number, got "soon"/);
  });

  it('reads the sweep: section of threshold-sweep.yaml: 4 x 5 points', () => {
    const s = loadScenario('scenarios/threshold-sweep.yaml');
    const grid = expandGrid(s, 'f', sweepParameters(s, 'f', []));
    expect(grid).toHaveLength(20);
    expect(grid[19].values).toEqual({ 'policy.failAtMonths': 12, 'correlation.rhoClass': 1 });
    expect(grid[19].scenario.sweep).toBeUndefined();
  });
});

describe('jaksim sweep', () => {
  it('bad paths and values: exit 2, one line naming them, nothing written', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-sweep-bad-'));
    const cases: [string[], RegExp][] = [
      [['--set', 'mu=0.1,0.2'], /"mu" is ambiguous/],
      [['--set', 'nosuch=1'], /"nosuch" is not a scenario field/],
      [['--set', 'rhoClass=0.5,7'], /correlation\.rhoClass=7.*expected a number <= 1, got 7/],
      [['--set', 'rhoClass'], /--set rhoClass: expected path=value1,value2/],
      [[], /nothing to sweep/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli(['sweep', 'tests/fixtures/sweep-base.yaml', '--patients', '1000', '--workers', '1', '--out', out, ...flags]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(readdirSync(out)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-sweep-file-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, YAML.stringify({ policies: [{ id: 'p', sequence: ['baricitinib-4mg'] }], sweep: { sigmaa: [1, 2] } }));
    const r = await cli(['sweep', file, '--workers', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/s\.yaml: sweep\.sigmaa: "sigmaa" is not a scenario field/);
    expect(existsSync(join(out, 's'))).toBe(false);
  });

  it('--set may come before the scenario and repeat', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-sweep-order-'));
    const r = await cli(['sweep', '--set', 'rhoClass=0,1', '--set', 'seed=3', 'tests/fixtures/sweep-base.yaml',
      '--patients', '500', '--workers', '1', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.parameters.map((p: { path: string }) => p.path)).toEqual(['correlation.rhoClass', 'seed']);
    expect(doc.points).toHaveLength(2);
    expect(doc.points[1].result.seed).toBe(3);
  });

  it('writes sweep.csv, sweep.json and report.html; every grid point equals a separate run with the same seed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-sweep-'));
    const patients = 6000;
    const r = await cli(['sweep', 'tests/fixtures/sweep-base.yaml', '--patients', String(patients), '--workers', '2', '--out', out,
      '--set', 'policy.failAtMonths=6,9', '--set', 'rhoClass=0,1']);
    // Nothing on stderr but the warning that the benchmark's drugs are not calibrated.
    expect(r.err).toMatch(/^warning: drug parameters not calibrated to the trials: baricitinib-4mg, ritlecitinib-50mg,\s+deuruxolitinib-8mg\.[^]*Scenario files"\)\.$/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/policy\.failAtMonths\s+correlation\.rhoClass\s+policy\s+12 mo\s+36 mo$/m);
    // then every comparison of the scenario at every grid point (one here, 4 points)
    expect(r.out).toMatch(/policy\.failAtMonths\s+correlation\.rhoClass\s+comparison\s+12 mo\s+36 mo$/m);
    expect(r.out.split('\n').filter((l) => /fail-9mo - fail-6mo/.test(l))).toHaveLength(4);
    expect(r.out).toMatch(/Report: .*report\.html/);
    const runs = readdirSync(join(out, 'sweep-base'));
    expect(runs).toHaveLength(1);
    const folder = join(out, 'sweep-base', runs[0]);
    expect(readdirSync(folder).sort()).toEqual(['comparisons.csv', 'report.html', 'sweep.csv', 'sweep.json']);

    const csv = readFileSync(join(folder, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('grid_point,policy.failAtMonths,correlation.rhoClass,policy,month,patients,responders,cumulative,lo,hi,point_responders,point,point_lo,point_hi');
    expect(csv).toHaveLength(1 + 4 * 2 * 37); // months 0 to 36
    expect(csv[1]).toMatch(/^0,6,0,fail-6mo,0,/);
    expect(csv[csv.length - 1]).toMatch(/^3,9,1,fail-9mo,36,/);

    const doc = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8'));
    expect(doc.parameters).toEqual([
      { path: 'policy.failAtMonths', values: [6, 9] },
      { path: 'correlation.rhoClass', values: [0, 1] },
    ]);
    expect(doc.points).toHaveLength(4);
    expect(doc.resolvedScenario.patients).toBe(patients);

    for (const [i, pt] of doc.points.entries()) {
      expect(pt.index).toBe(i);
      const s = structuredClone(base);
      s.patients = patients;
      for (const p of s.policies) p.failAtMonths = pt.values['policy.failAtMonths'];
      s.correlation.rhoClass = pt.values['correlation.rhoClass'];
      const alone = await withEngine(1, (e) => simulateScenario(s, e));
      expect(pt.result.policies).toEqual(alone.policies);
      expect(pt.result.comparisons).toEqual(alone.comparisons);
      // The CSV rows of this point carry the same numbers.
      const row = csv.find((l) => l.startsWith(`${i},`) && l.includes(',fail-9mo,36,'))!.split(',');
      expect(Number(row[7])).toBe(alone.policies[1].cumulative[35].rate);
    }
    expect(readFileSync(join(folder, 'report.html'), 'utf8')).toMatch(/<svg[^>]*>/);
  });
});
