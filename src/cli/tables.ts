// The console view of a run and of a sweep: cumulative response at key months, and the paired differences.
import type { RunResult } from '../engine/summarize.js';
import { MONTE_CARLO_ONLY_NOTE, keyVisits } from '../io/report.js';
import { sweepValueText, type SweepResult } from '../io/sweepResults.js';
import type { Difference, Ratio } from '../stats/intervals.js';
import { fitTable, wrapText } from '../io/columns.js';
import { offDrugNote } from '../io/calibrated.js';

/** Months of the console's run tables unless `--months` chooses (the horizon is added). */
export const CONSOLE_MONTHS = [6, 9, 12, 24];

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pct1 = (x: number) => (100 * x).toFixed(1);

/** A cell as one line of text: control characters (a newline in a policy id, say) shown escaped, as in JSON. */
export const oneLine = (cell: string) => cell.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));

/** Padded columns within 100 characters (columns/blocks: io/columns.ts); header cells may break at "\n". */
function pad(cells: string[][], leftAligned = 1): string {
  return fitTable(cells.map((r, i) => (i === 0 ? r : r.map(oneLine))), undefined, { leftAligned });
}

/** The console's default months: CONSOLE_MONTHS before the horizon, and the horizon. */
export function consoleMonths(horizon: number): number[] {
  return [...CONSOLE_MONTHS.filter((m) => m < horizon), horizon];
}

/** `+9.0 ±0.2` for a symmetric interval (paired differences, means), else `+9.0 (+8.8 to +9.3)`. */
function plusMinus(d: Difference, digits: number, scale = 1): string {
  const s = (x: number) => `${x >= 0 ? '+' : ''}${(scale * x).toFixed(digits)}`;
  const up = d.hi - d.diff;
  const down = d.diff - d.lo;
  return Math.abs(up - down) <= 1e-9 * Math.max(1, Math.abs(d.diff)) ? `${s(d.diff)} ±${(scale * up).toFixed(digits)}` : `${s(d.diff)} (${s(d.lo)} to ${s(d.hi)})`;
}

/** A readable table of the run for the terminal, within 100 columns; `months` as `--months` gives them. */
export function formatRunTable(result: RunResult, months?: readonly number[]): string {
  const visits = keyVisits(result, months ?? consoleMonths(result.policies[0].cumulative.at(-1)!.month));
  const grid = result.policies[0].cumulative;
  const header = ['month', ...visits.map((v) => String(grid[v].month))];
  const out: string[] = [];
  out.push(`${result.scenario}: ${result.patients.toLocaleString('en-US')} patients, seed ${result.seed}; response = SALT <= ${result.responseThreshold}`);
  const note = offDrugNote(result.policies.filter((p) => p.offAllDrugsAfterLastLine).map((p) => p.id));
  if (note) out.push(wrapText(note));
  out.push('');
  out.push('Cumulative response, % (95% interval)');
  out.push(pad([header, ...result.policies.map((p) => [p.id, ...visits.map((v) => {
    const c = p.cumulative[v];
    return `${pct1(c.rate)} (${pct1(c.lo)}-${pct1(c.hi)})`;
  })])]));
  if (result.comparisons.length > 0) {
    out.push('');
    out.push('Difference in cumulative response, percentage points, paired over the same patients (95%)');
    out.push(pad([header, ...result.comparisons.map((cmp) => [`${cmp.b} - ${cmp.a}`, ...visits.map((v) => plusMinus(cmp.cumulative[v], 1, 100))])]));
  }
  out.push('');
  out.push(pad([
    ['policy', 'responders', 'median months\nto response', 'months on\nnon-responding lines', 'response share\nby line'],
    ...result.policies.map((p) => [
      p.id,
      pct(p.responders / result.patients),
      p.medianMonthsToFirstResponse === null ? '-' : String(p.medianMonthsToFirstResponse),
      p.meanNonResponseMonths.toFixed(1),
      p.byLine.map((l) => pct(l.share)).join(' / '),
    ]),
  ]));
  if (result.comparisons.length > 0) {
    const num = (d: Difference, digits: number) => plusMinus(d, digits);
    out.push('');
    out.push('Paired differences per patient (95% interval)');
    out.push(pad([
      ['difference', 'months on\nnon-responding lines', 'lines used', ...(hasCosts(result) ? ['drug cost', 'cost per\nadditional responder'] : [])],
      ...result.comparisons.map((c) => [
        `${c.b} - ${c.a}`, num(c.nonResponseMonths, 2), num(c.linesUsed, 3),
        ...(c.cost ? [money(c.cost.perPatient), ratioText(c.cost.perAdditionalResponder)] : []),
      ]),
    ]));
  }
  if (hasCosts(result)) {
    out.push('');
    out.push(`Drug cost over ${result.horizon} months at list prices (95% interval)`);
    out.push(pad([
      ['policy', 'per patient', 'per responder'],
      ...result.policies.map((p) => [p.id, money({ diff: p.cost!.perPatient.mean, lo: p.cost!.perPatient.lo, hi: p.cost!.perPatient.hi }), ratioText(p.cost!.perResponder)]),
    ]));
  }
  out.push('', wrapText(MONTE_CARLO_ONLY_NOTE));
  return out.join('\n');
}

const dollars = (x: number) => `${x < 0 ? '-' : ''}$${Math.round(Math.abs(x)).toLocaleString('en-US')}`;
const money = (d: Difference) => `${dollars(d.diff)} (${dollars(d.lo)} to ${dollars(d.hi)})`;
const hasCosts = (r: RunResult) => r.policies.every((p) => p.cost !== null);

/** A ratio with its delta-method interval; says so when the interval is unbounded. */
function ratioText(r: Ratio): string {
  if (r.value === null) return '- (no difference in responders)';
  if (r.lo === null || r.hi === null) return `${dollars(r.value)} (unbounded: response difference not significant)`;
  return `${dollars(r.value)} (${dollars(r.lo)} to ${dollars(r.hi)})`;
}

/**
 * Compact tables of a sweep: per grid point and policy, response at `months` (default 12 and the horizon); then per
 * grid point, every comparison of the scenario: the paired difference at the same months.
 */
export function formatSweepTable(sweep: SweepResult, months?: readonly number[]): string {
  const first = sweep.points[0].result;
  const last = first.policies[0].cumulative.length - 1;
  const visits = keyVisits(first, months ?? [12, first.policies[0].cumulative[last].month]);
  const grid = (pt: SweepResult['points'][number]) => sweep.parameters.map((q) => sweepValueText(pt.values[q.path]));
  const monthHeads = visits.map((v) => `${first.policies[0].cumulative[v].month} mo`);
  const rates: string[][] = [[...sweep.parameters.map((p) => p.path), 'policy', ...monthHeads]];
  const diffs: string[][] = [[...sweep.parameters.map((p) => p.path), 'comparison', ...monthHeads]];
  for (const pt of sweep.points) {
    for (const p of pt.result.policies) rates.push([...grid(pt), p.id, ...visits.map((v) => pct(p.cumulative[v].rate))]);
    for (const c of pt.result.comparisons) diffs.push([...grid(pt), `${c.b} - ${c.a}`, ...visits.map((v) => plusMinus(c.cumulative[v], 1, 100))]);
  }
  const left = sweep.parameters.length + 1; // grid values and the policy (comparison) read left-aligned
  const out = [`${sweep.scenario}: ${sweep.points.length} grid points x ${sweep.patients.toLocaleString('en-US')} patients, seed ${sweep.seed}; cumulative response`, ''];
  out.push(pad(rates, left));
  if (diffs.length > 1) out.push('', 'Paired differences in cumulative response, percentage points (95% interval)', '', pad(diffs, left));
  out.push('', wrapText(MONTE_CARLO_ONLY_NOTE));
  return out.join('\n');
}
