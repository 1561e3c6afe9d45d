// A sweep's result document, sweep.csv and sweep.json (the folder is written by io/results.ts).
import type { RunResult } from '../engine/summarize.js';
import type { Scenario } from '../model/scenario.js';
import { csvLines, type CsvValue } from './csv.js';
import { jsonChunks } from './jsonStream.js';

/** One swept parameter: its canonical path and the values to run, in order. */
export interface SweepParameter {
  /** As resolved: `correlation.rhoClass`, `policy.failAtMonths` (every policy), `policies[1].failAtMonths`. */
  path: string;
  values: unknown[];
}

/** A finished sweep: the parameters and, per grid point, its values and its full run result. */
export interface SweepResult {
  scenario: string;
  seed: number;
  patients: number;
  engineVersion: string;
  parameters: SweepParameter[];
  points: { index: number; values: Record<string, unknown>; result: RunResult }[];
}

/** A swept value as text: words as they are, anything else as JSON. */
export const sweepValueText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** A swept value as a CSV value: words and numbers as they are, anything else (null included) as JSON. */
const sweepCsvValue = (v: unknown): CsvValue => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v));

/**
 * sweep.csv: one row per grid point, policy and visit month; a column per swept
 * parameter (named by its path); rates as fractions with 95% Wilson intervals.
 */
export function sweepCsvLines(sweep: SweepResult): Generator<string> {
  const head = ['point', ...sweep.parameters.map((p) => p.path), 'policy', 'month',
    'cumulative', 'lo', 'hi', 'point_rate', 'point_lo', 'point_hi'];
  return csvLines(head, sweepRows(sweep));
}

function* sweepRows(sweep: SweepResult): Generator<CsvValue[]> {
  for (const pt of sweep.points) {
    const params = sweep.parameters.map((p) => sweepCsvValue(pt.values[p.path]));
    for (const pol of pt.result.policies) {
      for (const [v, c] of pol.cumulative.entries()) {
        const q = pol.point[v];
        yield [pt.index, ...params, pol.id, c.month, c.rate, c.lo, c.hi, q.rate, q.lo, q.hi];
      }
    }
  }
}

/** sweep.csv as one text. */
export function sweepCsv(sweep: SweepResult): string {
  return [...sweepCsvLines(sweep)].join('');
}

/** sweep.json in pieces (it can outgrow a string): the sweep, the command and the resolved base scenario (without its sweep section). */
export function* sweepJsonChunks(base: Scenario, sweep: SweepResult, command: string): Generator<string> {
  const { sweep: _sweep, ...resolved } = base;
  yield* jsonChunks({ ...sweep, command, resolvedScenario: resolved }, 2);
  yield '\n';
}

/** The text of sweep.json as one string (small sweeps). */
export function sweepJson(base: Scenario, sweep: SweepResult, command: string): string {
  return [...sweepJsonChunks(base, sweep, command)].join('');
}
