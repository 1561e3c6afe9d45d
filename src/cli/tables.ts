// The console view of a run and of a sweep: cumulative response at key months, and the paired differences.
import type { RunResult } from '../engine/summarize.js';
import { keyVisits } from '../io/report.js';
import { sweepValueText, type SweepResult } from '../io/sweepResults.js';
import type { Difference, Ratio } from '../stats/intervals.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A cell as one line of text: control characters (a newline in a policy id, say) shown escaped, as in JSON. */
export const oneLine = (cell: string) => cell.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));

function pad(cells: string[][]): string {
  const rows = cells.map((r) => r.map(oneLine));
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ')).join('\n');
}

/** A readable table of the run for the terminal. */
export function formatRunTable(result: RunResult): string {
  const visits = keyVisits(result);
  const months = result.policies[0].cumulative;
  const header = ['month', ...visits.map((v) => String(months[v].month))];
  const out: string[] = [];
  out.push(`${result.scenario}: ${result.patients.toLocaleString('en-US')} patients, seed ${result.seed}; response = SALT <= ${result.responseThreshold}`);
  out.push('');
  out.push('Cumulative response (95% interval)');
  out.push(pad([header, ...result.policies.map((p) => [p.id, ...visits.map((v) => {
    const c = p.cumulative[v];
    return `${pct(c.rate)} (${pct(c.lo)}-${pct(c.hi)})`;
  })])]));
  if (result.comparisons.length > 0) {
    out.push('');
    out.push('Difference in cumulative response, paired over the same patients (95% interval)');
    out.push(pad([header, ...result.comparisons.map((cmp) => [`${cmp.b} - ${cmp.a}`, ...visits.map((v) => {
      const d = cmp.cumulative[v];
      const sign = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
      return `${sign(d.diff)} (${sign(d.lo)} to ${sign(d.hi)})`;
    })])]));
  }
  out.push('');
  out.push(pad([
    ['policy', 'responders', 'median months to response', 'months on non-responding lines', 'response share by line'],
    ...result.policies.map((p) => [
      p.id,
      pct(p.responders / result.patients),
      p.medianMonthsToFirstResponse === null ? '-' : String(p.medianMonthsToFirstResponse),
      p.meanNonResponseMonths.toFixed(1),
      p.byLine.map((l) => pct(l.share)).join(' / '),
    ]),
  ]));
  if (result.comparisons.length > 0) {
    const num = (d: Difference, digits: number) =>
      `${signed(d.diff, digits)} (${signed(d.lo, digits)} to ${signed(d.hi, digits)})`;
    out.push('');
    out.push('Paired differences per patient (95% interval)');
    out.push(pad([
      ['difference', 'months on non-responding lines', 'lines used', ...(hasCosts(result) ? ['drug cost', 'cost per additional responder'] : [])],
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
  return out.join('\n');
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const dollars = (x: number) => `${x < 0 ? '-' : ''}$${Math.round(Math.abs(x)).toLocaleString('en-US')}`;
const money = (d: Difference) => `${dollars(d.diff)} (${dollars(d.lo)} to ${dollars(d.hi)})`;
const hasCosts = (r: RunResult) => r.policies.every((p) => p.cost !== null);

/** A ratio with its delta-method interval; says so when the interval is unbounded. */
function ratioText(r: Ratio): string {
  if (r.value === null) return '- (no difference in responders)';
  if (r.lo === null || r.hi === null) return `${dollars(r.value)} (unbounded: response difference not significant)`;
  return `${dollars(r.value)} (${dollars(r.lo)} to ${dollars(r.hi)})`;
}

/** A compact table of a sweep: per grid point and policy, response at 12 months and the horizon, and the paired difference. */
export function formatSweepTable(sweep: SweepResult): string {
  const first = sweep.points[0].result;
  const at12 = first.policies[0].cumulative.findIndex((c) => Math.abs(c.month - 12) < 1e-9);
  const last = first.policies[0].cumulative.length - 1;
  const head = [...sweep.parameters.map((p) => p.path), 'policy', ...(at12 >= 0 && at12 < last ? ['12 mo'] : []),
    `${first.policies[0].cumulative[last].month} mo`, 'paired difference'];
  const rows: string[][] = [head];
  for (const pt of sweep.points) {
    for (const p of pt.result.policies) {
      const cmp = pt.result.comparisons.find((c) => c.b === p.id);
      const d = cmp?.cumulative[last];
      rows.push([
        ...sweep.parameters.map((q) => sweepValueText(pt.values[q.path])),
        p.id,
        ...(at12 >= 0 && at12 < last ? [pct(p.cumulative[at12].rate)] : []),
        pct(p.cumulative[last].rate),
        d && cmp ? `${signed(100 * d.diff, 1)} (${signed(100 * d.lo, 1)} to ${signed(100 * d.hi, 1)}) vs ${cmp.a}` : '',
      ]);
    }
  }
  const out = [`${sweep.scenario}: ${sweep.points.length} grid points x ${sweep.patients.toLocaleString('en-US')} patients, seed ${sweep.seed}; cumulative response`, ''];
  out.push(pad(rows));
  return out.join('\n');
}
