// The console view of a run: cumulative response at key months, and the paired differences.
import type { RunResult } from '../engine/summarize.js';

const KEY_MONTHS = [3, 6, 9, 12, 18, 24, 36];

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ')).join('\n');
}

/** Visit indices of the key months that fall on the visit grid (the horizon always shown). */
function keyVisits(result: RunResult): number[] {
  const months = result.policies[0].cumulative.map((c) => c.month);
  const wanted = new Set([...KEY_MONTHS.filter((m) => m < result.horizon), months[months.length - 1]]);
  return months.map((m, v) => (wanted.has(m) ? v : -1)).filter((v) => v >= 0);
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
  return out.join('\n');
}
