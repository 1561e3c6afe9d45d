// A sweep's result document, sweep.csv, comparisons.csv and sweep.json (the folder is written by io/results.ts).
import type { RunResult } from '../engine/summarize.js';
import type { Scenario } from '../model/scenario.js';
import { csvDocument, type CsvValue } from './csv.js';
import { comparisonColumns, comparisonRows, CURVE_COLUMNS, curveRows, usedDrugs } from './curveRows.js';
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

/** The grid columns that lead every row of sweep.csv and of a sweep's comparisons.csv. */
const gridColumns = (sweep: SweepResult) => ['grid_point', ...sweep.parameters.map((p) => p.path)];
const gridValues = (sweep: SweepResult, pt: SweepResult['points'][number]): CsvValue[] =>
  [pt.index, ...sweep.parameters.map((p) => sweepCsvValue(pt.values[p.path]))];

/**
 * sweep.csv: one row per grid point, policy and month (0 and every visit): the grid point's index
 * (`grid_point`), a column per swept parameter (named by its path), then the columns of curves.csv.
 */
export function sweepCsv(sweep: SweepResult): string {
  const rows = sweep.points.flatMap((pt) => curveRows(pt.result).map((r) => [...gridValues(sweep, pt), ...r]));
  return csvDocument([...gridColumns(sweep), ...CURVE_COLUMNS], rows);
}

/** A sweep's comparisons.csv: the grid columns, then the columns of a run's comparisons.csv, every comparison of the scenario. */
export function sweepComparisonsCsv(sweep: SweepResult): string {
  const drugs = usedDrugs(sweep.points.map((pt) => pt.result));
  const rows = sweep.points.flatMap((pt) => comparisonRows(pt.result, drugs).map((r) => [...gridValues(sweep, pt), ...r]));
  return csvDocument([...gridColumns(sweep), ...comparisonColumns(drugs)], rows);
}

/** sweep.json in pieces (it can outgrow a string): the sweep, the command and the resolved base scenario (without its sweep section). */
export function* sweepJsonChunks(base: Scenario, sweep: SweepResult, command: string): Generator<string> {
  const { sweep: _sweep, ...resolved } = base;
  yield* jsonChunks({ ...sweep, command, resolvedScenario: resolved }, 2);
  yield '\n';
}
