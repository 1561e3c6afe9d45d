// report.html of `jaksim predict`: the patient's response curves and predicted SALT per option.
import type { PredictResult } from './predict.js';
import type { ChartSpec } from '../io/charts.js';
import { esc, figure, page, table } from '../io/html.js';

const W = 560;
const H = 300;

/** A line per option over its band, y in percent or SALT points. */
function bandSpec(values: { option: string; month: number; y: number; lo: number; hi: number }[], months: number, yTitle: string): ChartSpec {
  const x = { field: 'month', type: 'quantitative', title: 'months from now', scale: { domain: [0, months], nice: false } } as const;
  return {
    width: W, height: H, data: { values },
    encoding: { x, color: { field: 'option', type: 'nominal', title: 'option' } },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { field: 'y', type: 'quantitative', title: yTitle } } },
    ],
  } as ChartSpec;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The whole page. */
export async function predictReportHtml(r: PredictResult, patientFile: string, command: string): Promise<string> {
  const response = r.options.flatMap((o) => o.responseBy.map((p) => ({ option: o.option, month: p.month, y: 100 * p.rate, lo: 100 * p.lo, hi: 100 * p.hi })));
  const salt = r.options.flatMap((o) => o.salt.map((p) => ({ option: o.option, month: p.month, y: p.median, lo: p.q10, hi: p.q90 })));
  const marks = [3, 6, 9, 12].filter((m) => m <= r.months);
  const rows = r.options.map((o) => [o.option, ...marks.map((m) => pct(o.responseBy[m - 1].rate)), o.expectedMonthsToResponse.toFixed(1)]);
  const body = `<h1>Prediction for ${esc(patientFile)}</h1>
<p class="meta">${esc(command)}<br>now = month ${r.now} of the history; ${r.draws} population draws${r.parameterDraws > 0 ? ` for each of ${r.parameterDraws} posterior draws of the calibration` : ''}, effective sample size ${r.ess};
sdObs ${r.sdObs}; rhoClass ${r.rhoClass}; response: SALT &lt;= ${r.threshold} at a monthly visit.</p>
<h2>Response by month</h2>
${table(['option', ...marks.map((m) => `by ${m} mo`), 'expected months to response'], rows)}
<p>Ranked by response by month ${r.ranking[0]?.month}: ${esc(r.ranking.map((x) => x.option).join(' > '))}.</p>
${await figure('response', `P(SALT <= threshold at some monthly visit by the month), with 95% intervals: ${r.parameterDraws > 0
    ? `Monte Carlo (Wilson at the effective sample size) and the spread over ${r.parameterDraws} posterior draws of the calibration, in quadrature`
    : 'Monte Carlo (Wilson at the effective sample size)'}.`, bandSpec(response, r.months, 'response by the month (%)'))}
${await figure('salt', 'Predicted SALT: median and 80% prediction interval (10th-90th weighted percentiles).', bandSpec(salt, r.months, 'SALT'))}`;
  return page(`jaksim predict: ${patientFile}`, body);
}
