// `jaksim bench --suite`: several commands on fixed small inputs, timed in alternation, each figure's median
// and spread; the document, its github-action-benchmark and Bencher (BMF) forms, and the noise-aware baseline rule.
import type { BenchMachine } from '../io/benchDocument.js';
import { interpolatedQuantile, median } from '../stats/quantiles.js';
import { ENGINE_VERSION } from '../version.js';

/** One case of the suite: a jaksim command line (without `--workers` and `--out`, which the suite adds). */
export interface SuiteCase { name: string; args: string[] }

/** The suite's cases: fixed small inputs, each a few seconds, covering run, sweep, psa and predict. */
export const SUITE_CASES: SuiteCase[] = [
  { name: 'run', args: ['run', 'scenarios/canonical-bench.yaml', '--patients', '200000'] },
  { name: 'sweep', args: ['sweep', 'scenarios/threshold-sweep.yaml', '--patients', '10000'] },
  { name: 'psa', args: ['psa', 'scenarios/psa-six-vs-nine.yaml', '--draws', '20', '--patients-per-draw', '4000'] },
  { name: 'predict', args: ['predict', 'examples/patients/bari-6mo.yaml', '--draws', '50000'] },
];

/** Median and spread of a figure's repeated measurements (seconds). */
export interface Spread { median: number; min: number; max: number; q1: number; q3: number; mad: number }

export function spreadOf(xs: number[]): Spread {
  const m = median(xs);
  return {
    median: m, min: Math.min(...xs), max: Math.max(...xs),
    q1: interpolatedQuantile(xs, 0.25), q3: interpolatedQuantile(xs, 0.75), mad: median(xs.map((x) => Math.abs(x - m))),
  };
}

export interface SuiteFigure extends Spread {
  /** `<case> (<w> worker(s))`, the key in every format. */
  name: string;
  case: string;
  workers: number;
  command: string[];
  /** Wall seconds of the whole command, spawn to exit, per round. */
  seconds: number[];
}

export interface SuiteDocument extends BenchMachine {
  benchmark: 'jaksim-suite';
  schemaVersion: 1;
  engineVersion: string;
  repeat: number;
  figures: SuiteFigure[];
  /** Per case with 1 and 2 workers measured: median wall seconds of 1 worker over 2 x those of 2 workers. */
  parallelEfficiency: { case: string; efficiency: number }[];
  baseline?: SuiteComparison;
}

/**
 * The noise-aware rule: a figure regressed when its median wall time rose by more than K_MAD robust
 * standard deviations of the difference, sqrt(s_now^2 + s_base^2) with s = 1.4826 MAD (the MAD's
 * normal-consistent scale) of each document's own repeats, and by more than MIN_RISE of the baseline
 * median (so that a figure with no spread at all does not fail on a tick). No fixed percentage otherwise.
 */
export const K_MAD = 3;
export const MIN_RISE = 0.02;

export interface SuiteComparison {
  file: string;
  rule: string;
  comparisons: { name: string; baselineMedian: number; currentMedian: number; changePct: number; bound: number; regressed: boolean }[];
  regressed: boolean;
}

export function suiteDocument(machine: BenchMachine, repeat: number, figures: SuiteFigure[]): SuiteDocument {
  const efficiency = [...new Set(figures.map((f) => f.case))].flatMap((c) => {
    const one = figures.find((f) => f.case === c && f.workers === 1);
    const two = figures.find((f) => f.case === c && f.workers === 2);
    return one && two ? [{ case: c, efficiency: one.median / (2 * two.median) }] : [];
  });
  return { benchmark: 'jaksim-suite', schemaVersion: 1, engineVersion: ENGINE_VERSION, ...machine, repeat, figures, parallelEfficiency: efficiency };
}

export function compareSuites(doc: SuiteDocument, baseline: SuiteDocument, file: string): SuiteComparison {
  const scale = (f: Spread) => 1.4826 * f.mad;
  const comparisons = doc.figures.flatMap((f) => {
    const b = baseline.figures.find((x) => x.name === f.name);
    if (!b) return [];
    const bound = Math.max(K_MAD * Math.hypot(scale(f), scale(b)), MIN_RISE * b.median);
    const rise = f.median - b.median;
    return [{ name: f.name, baselineMedian: b.median, currentMedian: f.median, changePct: (100 * rise) / b.median, bound, regressed: rise > bound }];
  });
  return {
    file,
    rule: `median wall time up by more than max(${K_MAD} x sqrt(s_now^2 + s_baseline^2), ${100 * MIN_RISE}% of the baseline median), s = 1.4826 MAD of each document's repeats`,
    comparisons,
    regressed: comparisons.some((c) => c.regressed),
  };
}

/** github-action-benchmark's customSmallerIsBetter form: one entry per figure, seconds, the range as min-max. */
export function githubActionBenchmark(doc: SuiteDocument): { name: string; unit: string; value: number; range: string; extra: string }[] {
  return doc.figures.map((f) => ({
    name: f.name,
    unit: 's',
    value: f.median,
    range: `${f.min.toFixed(3)}-${f.max.toFixed(3)}`,
    extra: `median of ${f.seconds.length} rounds, MAD ${f.mad.toFixed(3)} s; ${f.command.join(' ')}`,
  }));
}

/** Bencher Metric Format: per figure, the built-in `latency` measure in nanoseconds, bounds the quartiles. */
export function bencherMetricFormat(doc: SuiteDocument): Record<string, { latency: { value: number; lower_value: number; upper_value: number } }> {
  const ns = (s: number) => Math.round(s * 1e9);
  return Object.fromEntries(doc.figures.map((f) => [f.name, { latency: { value: ns(f.median), lower_value: ns(f.q1), upper_value: ns(f.q3) } }]));
}
