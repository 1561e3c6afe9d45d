// The rows of curves.csv and comparisons.csv, shared by a run's files and a sweep's (one naming scheme across files).
import type { RunResult } from '../engine/summarize.js';
import { wilson } from '../stats/intervals.js';
import { csvDocument, type CsvValue } from './csv.js';

/** The columns of a policy's curve, the same in curves.csv and sweep.csv (after sweep.csv's grid columns). */
export const CURVE_COLUMNS = ['policy', 'month', 'patients', 'responders', 'cumulative', 'lo', 'hi',
  'point_responders', 'point', 'point_lo', 'point_hi'] as const;

/** A count behind a rate x / n (rates are stored as fractions of exact counts). */
const count = (rate: number, n: number) => Math.round(rate * n);

/**
 * The rows of a run's curves: per policy a month-0 row (nobody has responded before the first visit) and one row
 * per visit month, with the patients and responders behind each rate.
 */
export function curveRows(result: RunResult): CsvValue[][] {
  const n = result.patients;
  const zero = wilson(0, n);
  return result.policies.flatMap((p) => [
    [p.id, 0, n, 0, 0, zero.lo, zero.hi, 0, 0, zero.lo, zero.hi],
    ...p.cumulative.map((c, v) => {
      const pt = p.point[v];
      return [p.id, c.month, n, count(c.rate, n), c.rate, c.lo, c.hi, count(pt.rate, n), pt.rate, pt.lo, pt.hi];
    }),
  ]);
}

/** Drugs some policy of the results uses, in catalog order: the drug-month columns of comparisons.csv. */
export function usedDrugs(results: readonly RunResult[]): string[] {
  const used = new Set(results.flatMap((r) => r.policies.flatMap((p) => p.sequence)));
  const all = results.length ? Object.keys(results[0].comparisons[0]?.drugMonths ?? {}) : [];
  return all.filter((d) => used.has(d));
}

/** The columns of comparisons.csv (after a sweep's grid columns); `drugs` adds months on each drug. */
export function comparisonColumns(drugs: readonly string[]): string[] {
  const triple = (name: string) => [`${name}_diff`, `${name}_lo`, `${name}_hi`];
  return ['a', 'b', 'month', 'patients', 'a_responders', 'b_responders', 'diff', 'lo', 'hi',
    ...triple('nonresponse_months'), ...triple('lines_used'), ...drugs.flatMap((d) => triple(`months_on_${d.replace(/[^A-Za-z0-9]+/g, '_')}`)), // a drug id as a plain name (R's read.csv)
    ...triple('cost_per_patient'), 'cost_per_additional_responder', 'cost_per_additional_responder_lo', 'cost_per_additional_responder_hi'];
}

/**
 * The rows of a run's paired differences b - a: per comparison a month-0 row and one per visit month. The
 * secondary outputs (months on non-responding lines, lines used, drug months, costs) are over the horizon, the
 * same on every row of a comparison, so that each row reads alone.
 */
export function comparisonRows(result: RunResult, drugs: readonly string[]): CsvValue[][] {
  const n = result.patients;
  const byId = new Map(result.policies.map((p) => [p.id, p]));
  return result.comparisons.flatMap((c) => {
    const triple = (d: { diff: number; lo: number; hi: number } | undefined) => [d?.diff, d?.lo, d?.hi];
    const per = c.cost?.perAdditionalResponder;
    const secondary = [...triple(c.nonResponseMonths), ...triple(c.linesUsed), ...drugs.flatMap((d) => triple(c.drugMonths[d])),
      ...triple(c.cost?.perPatient), per?.value, per?.lo, per?.hi];
    const a = byId.get(c.a)!;
    const b = byId.get(c.b)!;
    return [
      [c.a, c.b, 0, n, 0, 0, 0, 0, 0, ...secondary],
      ...c.cumulative.map((d, v) => [c.a, c.b, d.month, n, count(a.cumulative[v].rate, n), count(b.cumulative[v].rate, n),
        d.diff, d.lo, d.hi, ...secondary]),
    ];
  });
}

/** curves.csv: one row per policy and month (0 and every visit); rates as fractions with 95% Wilson intervals. */
export function curvesCsv(result: RunResult): string {
  return csvDocument(CURVE_COLUMNS, curveRows(result));
}

/** comparisons.csv of a run: one row per comparison and month; differences as fractions with 95% paired intervals. */
export function comparisonsCsv(result: RunResult): string {
  const drugs = usedDrugs([result]);
  return csvDocument(comparisonColumns(drugs), comparisonRows(result, drugs));
}
