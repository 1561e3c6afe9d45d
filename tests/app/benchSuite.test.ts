// bench --suite's figures, formats and noise-aware baseline rule (src/app/benchSuite.ts), on hand-made timings.
import { describe, expect, it } from 'vitest';
import {
  K_MAD, MIN_RISE, bencherMetricFormat, compareSuites, githubActionBenchmark, spreadOf, suiteDocument, type SuiteFigure,
} from '../../src/app/benchSuite.js';
import { runCli } from '../../src/cli/main.js';
import { curvesMaxAbsZ } from '../../src/app/bench.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const machine = { gitCommit: null, node: 'v20', cpuModel: 'test', cpuCount: 2 };
const figure = (name: string, seconds: number[]): SuiteFigure => {
  const [c, w] = [name.split(' ')[0], Number(/\((\d+)/.exec(name)![1])];
  return { name, case: c, workers: w, command: ['jaksim', c], seconds, ...spreadOf(seconds) };
};

describe('bench --suite', () => {
  it('spread: median, extremes, quartiles (type 7) and MAD of the repeats', () => {
    expect(spreadOf([3, 1, 2, 10, 4])).toEqual({ median: 3, min: 1, max: 10, q1: 2, q3: 4, mad: 1 });
  });

  it('parallel efficiency per case: 1-worker median over 2 x the 2-worker median', () => {
    const doc = suiteDocument(machine, 3, [figure('run (1 worker)', [2, 2, 2]), figure('run (2 workers)', [1.25, 1.25, 1.25]), figure('psa (1 worker)', [1, 1, 1])]);
    expect(doc.parallelEfficiency).toEqual([{ case: 'run', efficiency: 0.8 }]);
  });

  it('a rise beyond K_MAD robust SDs of the difference is a regression; a rise within the spread, or below MIN_RISE, is not', () => {
    const base = suiteDocument(machine, 5, [figure('run (1 worker)', [10, 10.2, 9.8, 10.1, 9.9]), figure('sweep (1 worker)', [5, 5, 5, 5, 5])]);
    // MAD 0.1 each: bound 3 x sqrt(2) x 1.4826 x 0.1 = 0.629 s.
    const within = suiteDocument(machine, 5, [figure('run (1 worker)', [10.5, 10.7, 10.3, 10.6, 10.4]), figure('sweep (1 worker)', [5.05, 5.05, 5.05, 5.05, 5.05])]);
    const c1 = compareSuites(within, base, 'base.json');
    expect(c1.comparisons[0].bound).toBeCloseTo(K_MAD * Math.SQRT2 * 1.4826 * 0.1, 12);
    expect(c1.comparisons.map((c) => c.regressed)).toEqual([false, false]); // +0.5 s < 0.629 s; +1% < MIN_RISE
    expect(c1.regressed).toBe(false);
    const beyond = suiteDocument(machine, 5, [figure('run (1 worker)', [10.8, 11, 10.6, 10.9, 10.7]), figure('sweep (1 worker)', [5.2, 5.2, 5.2, 5.2, 5.2])]);
    const c2 = compareSuites(beyond, base, 'base.json');
    expect(c2.comparisons.map((c) => c.regressed)).toEqual([true, true]); // +0.8 s > 0.629 s; +4% > MIN_RISE with no spread
    expect(c2.regressed).toBe(true);
    expect(MIN_RISE).toBeGreaterThan(0);
    // Faster is never a regression.
    expect(compareSuites(base, beyond, 'b.json').regressed).toBe(false);
  });

  it('writes github-action-benchmark (customSmallerIsBetter) and Bencher (BMF, latency in ns) forms of the same figures', () => {
    const doc = suiteDocument(machine, 3, [figure('run (1 worker)', [1, 2, 3])]);
    expect(githubActionBenchmark(doc)).toEqual([{ name: 'run (1 worker)', unit: 's', value: 2, range: '1.000-3.000', extra: expect.stringContaining('median of 3 rounds') }]);
    expect(bencherMetricFormat(doc)).toEqual({ 'run (1 worker)': { latency: { value: 2e9, lower_value: 1.5e9, upper_value: 2.5e9 } } });
  });

  it('a baseline that is not a suite document is a user error before anything runs (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-suite-test-'));
    const file = join(dir, 'plain.json');
    writeFileSync(file, JSON.stringify({ benchmark: 'jaksim', results: [{ workers: 1, medianPatientsPerSecond: 1 }] }));
    const err: string[] = [];
    const code = await runCli(['bench', '--suite', '--baseline', file], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/plain\.json: expected a jaksim bench --suite JSON document/);
  });
});

describe('the C reference check (curvesMaxAbsZ)', () => {
  it('z of two independent proportions, the largest over policies and visits; 0 for equal curves', () => {
    const n = 10_000;
    expect(curvesMaxAbsZ([[100, 200]], n, [[100, 200]], n)).toBe(0);
    // 0.30 vs 0.32 at n = 10,000 each: z = 0.02 / sqrt(0.3 * 0.7 / n + 0.32 * 0.68 / n) = 3.05.
    const z = curvesMaxAbsZ([[100, 3000]], n, [[100, 3200]], n);
    expect(z).toBeCloseTo(0.02 / Math.sqrt((0.3 * 0.7 + 0.32 * 0.68) / n), 10);
    expect(curvesMaxAbsZ([[0]], n, [[5]], n)).toBeGreaterThan(2);
  });
});
