// Validation report of a calibration: published vs simulated points (CSV, console table), response curves, report.html.
import { join } from 'node:path';
import { CURVE_WEEKS } from '../calibration/result.js';
import type { CalibrationResult, PointFit } from '../calibration/assess.js';
import { writeFileAtomic } from './atomic.js';
import { renderSvg, type ChartSpec } from './charts.js';
import { csvDocument, type CsvValue } from './csv.js';
import { esc, page } from './html.js';

export const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1) : '-');
/** Numbers to 6 significant digits, non-finite ones empty: the precision of the calibration's CSV files. */
const rounded = (v: CsvValue): CsvValue => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(6)) : null) : v);
const calibrationCsv = (head: string, rows: CsvValue[][]) => csvDocument(head.split(','), rows.map((r) => r.map(rounded)));

/**
 * Why a point lies outside its published interval: another published arm of
 * the same drug, population, week and band that disagrees with it (a
 * two-proportion z beyond 1.96), or else a joint misfit of the model.
 */
export function misfitReason(p: PointFit, all: PointFit[]): string {
  if (p.withinPublished) return '';
  const twins = all.filter((q) => q !== p && q.drug === p.drug && q.population === p.population && q.week === p.week && q.band === p.band);
  for (const q of twins) {
    const pooled = (p.salt20 * p.nEff + q.salt20 * q.nEff) / (p.nEff + q.nEff);
    const z = (p.salt20 - q.salt20) / Math.sqrt(pooled * (1 - pooled) * (1 / p.nEff + 1 / q.nEff));
    if (Math.abs(z) > 1.96) {
      return `disagrees with ${q.trial} (${pct(q.salt20)}%, z = ${z.toFixed(1)}): one simulated arm cannot match both`;
    }
  }
  const sameDrug = all.filter((q) => q !== p && q.drug === p.drug);
  if (sameDrug.length) {
    return `the model cannot match this point jointly with the other ${p.drug} points (${sameDrug.map((q) => `${q.trial} wk ${q.week}${q.band === 'all' ? '' : ` ${q.band}`}`).join('; ')}) under the fixed onset shape and the shared betaVerySevere`;
  }
  return 'the model cannot match this point jointly with the shared globals (betaVerySevere, class tau)';
}

export function pointsCsv(r: CalibrationResult): string {
  const head = 'trial,population,drug,week,band,n,n_eff,approx,published_salt20,published_lo,published_hi,simulated_salt20,simulated_lo,simulated_hi,residual_se_salt20,published_salt10,simulated_salt10,simulated10_lo,simulated10_hi,residual_se_salt10,within_published_interval,deviance,note';
  return calibrationCsv(head, r.points.map((p) => [
    p.trial, p.population, p.drug, p.week, p.band, p.n, p.nEff, p.approx, p.salt20, p.pub20Lo, p.pub20Hi,
    p.sim20, p.sim20Lo, p.sim20Hi, p.residual20, p.salt10, p.salt10 === undefined ? undefined : p.sim10,
    p.salt10 === undefined ? undefined : p.sim10Lo, p.salt10 === undefined ? undefined : p.sim10Hi,
    p.residual10, p.withinPublished, p.deviance, misfitReason(p, r.points),
  ]));
}

export function curvesCsv(r: CalibrationResult): string {
  return calibrationCsv('drug,population,imputation,week,salt20,salt20_lo,salt20_hi,salt10,extrapolated',
    r.curves.flatMap((c) => c.weeks.map((w) => [c.drug, c.population, c.imputation, w.week, w.salt20, w.lo, w.hi, w.salt10, w.extrapolated])));
}

export function parametersCsv(r: CalibrationResult): string {
  return calibrationCsv('parameter,estimate,lo,hi,se_fitted_scale,kind,note',
    r.estimates.map((e) => [e.name, e.estimate, e.lo, e.hi, e.se, e.kind, e.note]));
}

/** The goodness-of-fit line: deviance, df, p-value, points inside their published intervals. */
export function fitSummary(r: CalibrationResult): string {
  const inside = r.points.filter((p) => p.withinPublished).length;
  const prior = r.priorPenalty ? ` (data ${(r.deviance - r.priorPenalty).toFixed(2)} + priors ${r.priorPenalty.toFixed(2)})` : '';
  return `deviance ${r.deviance.toFixed(2)}${prior} on ${r.df} df (${r.dataDf} data proportions - ${r.params.names.length} parameters), `
    + `${Number.isFinite(r.pValue) ? `p = ${r.pValue.toPrecision(2)}` : 'p not defined (no residual degrees of freedom)'}; ${inside} of ${r.points.length} points inside their published 95% interval`;
}

/** Curves whose drug's published points end before the curve does: "drug after week W" (the model extrapolates). */
export function extrapolatedCurves(r: CalibrationResult): string[] {
  const out = new Map<string, number>();
  for (const c of r.curves) if (c.weeks.some((w) => w.extrapolated)) out.set(c.drug, c.lastPublishedWeek);
  return [...out].map(([drug, week]) => `${drug} after week ${week}`);
}

/**
 * One chart per drug: simulated SALT <= 20 under each imputation (nri, locf, observed) and SALT <= 10 (nri),
 * weeks 0-156, with every published point (SALT rates; lost benefit of the designs as its own end point) and
 * its interval; the weeks after the drug's last published point are marked extrapolated.
 */
function drugChart(r: CalibrationResult, drug: string): ChartSpec {
  const curve = r.curves.filter((c) => c.drug === drug).flatMap((c) => c.weeks.flatMap((w) => [
    { population: c.population, week: w.week, rate: w.salt20, lo: w.lo, hi: w.hi, endPoint: `SALT <= 20, ${c.imputation}`, imputation: c.imputation },
    ...(c.imputation === 'nri' ? [{ population: c.population, week: w.week, rate: w.salt10, lo: w.salt10, hi: w.salt10, endPoint: 'SALT <= 10, nri', imputation: c.imputation }] : []),
  ]));
  const last = r.curves.find((c) => c.drug === drug)?.lastPublishedWeek;
  const pts = r.points.filter((p) => p.drug === drug).flatMap((p) => {
    const label = `${p.trial}${p.band === 'all' ? '' : ` (SALT ${p.band})`}${p.label ? `, ${p.label}` : ''}`;
    const endPoint = p.measure === 'lostBenefit' ? 'lost benefit' : p.kind === 'arm' || p.kind === 'subgroup' ? 'SALT <= 20' : 'SALT <= 20 (design)';
    const out = [{ population: p.population, week: p.week, rate: p.salt20, lo: p.pub20Lo, hi: p.pub20Hi, endPoint, label }];
    if (p.salt10 !== undefined) out.push({ population: p.population, week: p.week, rate: p.salt10, lo: p.salt10, hi: p.salt10, endPoint: 'SALT <= 10', label });
    return out;
  });
  // The model's value of each published point (the designs' among their re-randomised patients, which no curve shows), as a hollow mark.
  const simulated = r.points.filter((p) => p.drug === drug).map((p) => ({ population: p.population, week: p.week, rate: p.sim20,
    label: `model: ${p.trial}${p.label ? `, ${p.label}` : ''}${p.measure === 'lostBenefit' ? ' (lost benefit)' : ''}` }));
  const y = { field: 'rate', type: 'quantitative', title: 'responders', axis: { format: '%' }, scale: { domain: [0, 1] } } as const;
  const x = { field: 'week', type: 'quantitative', title: 'week', scale: { domain: [0, CURVE_WEEKS] } } as const;
  const extrapolated = last !== undefined && last < CURVE_WEEKS
    ? [{ data: { values: [{ week: last, text: `extrapolated after week ${last}` }] }, mark: { type: 'rule', strokeDash: [2, 2], color: 'gray' }, encoding: { x } },
      { data: { values: [{ week: last, text: `extrapolated after week ${last}` }] }, mark: { type: 'text', align: 'left', dx: 3, dy: -100, color: 'gray' },
        encoding: { x, text: { field: 'text' } } }]
    : [];
  const color = { field: 'population', type: 'nominal', title: 'trial population' } as const;
  return {
    title: drug,
    width: 420,
    height: 220,
    layer: [
      { data: { values: curve.filter((c) => c.endPoint === 'SALT <= 20, nri') }, mark: { type: 'area', opacity: 0.15 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
      { data: { values: curve }, mark: { type: 'line' },
        encoding: { x, y, color, strokeDash: { field: 'endPoint', type: 'nominal', title: 'curve' } } },
      ...extrapolated,
      { data: { values: pts.filter((p) => p.endPoint === 'SALT <= 20') }, mark: { type: 'rule' },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
      { data: { values: pts }, mark: { type: 'point', filled: true, size: 50 },
        encoding: { x, y, color, shape: { field: 'endPoint', type: 'nominal', title: 'end point' },
          tooltip: [{ field: 'label' }, { field: 'rate', format: '.1%' }] } },
      { data: { values: simulated }, mark: { type: 'point', filled: false, size: 90, shape: 'diamond' },
        encoding: { x, y, color, tooltip: [{ field: 'label' }, { field: 'rate', format: '.1%' }] } },
    ],
  } as unknown as ChartSpec;
}

/** Self-contained report.html: fit statistics, parameters with intervals, points table, one chart per drug. */
export async function calibrationReportHtml(r: CalibrationResult, meta: { command: string; dataFile: string; seconds: number }): Promise<string> {
  const charts: string[] = [];
  for (const drug of r.params.drugs) charts.push(await renderSvg(drugChart(r, drug)));
  const params = r.estimates.map((e) => `<tr><td>${esc(e.name)}</td><td>${e.estimate.toFixed(3)}</td><td>${e.lo === null ? 'open (not bounded by the data)' : e.lo.toFixed(3)} to ${e.hi === null ? 'open (not bounded by the data)' : e.hi.toFixed(3)}</td><td>${e.kind}</td><td>${esc(e.note ?? '')}</td></tr>`).join('\n');
  const rows = r.points.map((p) => `<tr${p.withinPublished ? '' : ' class="out"'}><td>${esc(p.trial)}</td><td>${esc(p.drug)}</td><td>${p.week}</td><td>${esc(p.band)}</td><td>${p.n ?? `none (weight ${p.nEff.toFixed(0)})`}${p.approx ? ' approx' : ''}</td>`
    + `<td>${pct(p.salt20)} (${pct(p.pub20Lo)}-${pct(p.pub20Hi)})</td><td>${pct(p.sim20)} (${pct(p.sim20Lo)}-${pct(p.sim20Hi)})</td><td>${p.residual20.toFixed(2)}</td>`
    + `<td>${p.salt10 === undefined ? '' : `${pct(p.salt10)} / ${pct(p.sim10)} (${(p.residual10 ?? NaN).toFixed(2)})`}</td><td>${p.withinPublished ? 'yes' : `no: ${esc(misfitReason(p, r.points))}`}</td></tr>`).join('\n');
  const style = `
table td, table th { text-align: left; } tr.out td { background: #fde8e8; } .charts { display: flex; flex-wrap: wrap; gap: 1em; } code { background: #f4f4f4; padding: 0 3px; }
`;
  return page('jaksim calibration report', `<h1>Calibration to the published trials</h1>
<p>Data <code>${esc(meta.dataFile)}</code> (${esc(r.dataVersion)}); seed ${r.seed}; ${r.patients.toLocaleString('en-US')} simulated patients per arm; ${r.evals} objective evaluations; ${meta.seconds.toFixed(0)} s.<br>
Command: <code>${esc(meta.command)}</code></p>
<h2>Goodness of fit</h2>
<p>${esc(fitSummary(r))}. Residuals are in binomial standard errors at the simulated rate with the published arm size (or the documented weight where it is missing). Simulated intervals are the 2.5-97.5% range over parameter draws from the fitted normal approximation.</p>
<h2>Parameters</h2>
<table><tr><th>parameter</th><th>estimate</th><th>95% interval</th><th>kind</th><th>note</th></tr>
${params}
</table>
<h2>Published and simulated points</h2>
<table><tr><th>trial</th><th>drug</th><th>week</th><th>band</th><th>n</th><th>published SALT &le; 20 (95%)</th><th>simulated (95%)</th><th>residual (SE)</th><th>SALT &le; 10 published / simulated (resid.)</th><th>inside published interval</th></tr>
${rows}
</table>
<h2>Response curves, week 0 to ${CURVE_WEEKS}</h2>
<p>Lines: simulated SALT &le; 20 under each imputation (nri: a stop for an adverse event counts as non-response; locf: the SALT at the stop is carried forward; observed: stopped patients leave the denominator; nri shaded with its Monte Carlo 95% interval) and SALT &le; 10 (nri) in each trial population with the fitted parameters; points: published rates with their 95% binomial (Wilson) intervals, the maintenance and withdrawal designs' SALT &le; 20 and lost benefit among the re-randomised responders; hollow diamonds: the model's value of each published point (for a design, among its re-randomised patients).</p>
<p>Extrapolated (no published point of the drug after the week given; the curve there is the model's): ${esc(extrapolatedCurves(r).join('; ') || 'none')}.</p>
${r.unused?.length ? `<h2>Figures not in the likelihood</h2><ul>${r.unused.map((u) => `<li>${esc(u)}</li>`).join('')}</ul>` : ''}
<div class="charts">
${charts.map((svg) => `<div>${svg}</div>`).join('\n')}
</div>`, style);
}

/** Write report.html, points.csv, curves.csv and parameters.csv into `dir` (each atomically). */
export async function writeCalibrationReport(dir: string, r: CalibrationResult, meta: { command: string; dataFile: string; seconds: number }): Promise<string[]> {
  const files: [string, string][] = [
    ['report.html', await calibrationReportHtml(r, meta)],
    ['points.csv', pointsCsv(r)],
    ['curves.csv', curvesCsv(r)],
    ['parameters.csv', parametersCsv(r)],
  ];
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
