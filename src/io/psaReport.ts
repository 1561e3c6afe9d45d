// report.html of `jaksim psa`: uncertainty bands beside Monte Carlo bands, the paired-difference distributions,
// the probability each policy is best (and the acceptability curve with prices), the tornado and the EVPPI bars.
import YAML from 'yaml';
import type { Scenario } from '../model/scenario.js';
import type { ChartSpec } from './charts.js';
import { esc, figure, page, table } from './html.js';
import type { PsaDrawData, PsaResult } from './psaDocument.js';

const W = 560;
const H = 300;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
/** A value of information in responders per 100 patients: two decimals, or two significant digits below 0.1. */
export const per100 = (x: number) => { const v = 100 * x; return v === 0 ? '0' : Math.abs(v) >= 0.1 ? v.toFixed(2) : v.toPrecision(2); };
const KEY_MONTHS = [3, 6, 9, 12, 18, 24, 36];

/** Visit indices of the key months on the grid, and the horizon. */
function keyVisits(r: PsaResult): number[] {
  const months = r.policies[0].cumulative.map((c) => c.month);
  const wanted = new Set([...KEY_MONTHS.filter((m) => m < r.horizon), months[months.length - 1]]);
  return months.map((m, v) => (wanted.has(m) ? v : -1)).filter((v) => v >= 0);
}

const monthAxis = (r: PsaResult) => ({ field: 'month', type: 'quantitative', title: 'months since start of line 1', scale: { domain: [0, r.horizon], nice: false } }) as const;

/** Mean curve, its 95% uncertainty band across draws, and inside it the Monte Carlo band of one draw. */
function bandsSpec(r: PsaResult, rows: { group: string; month: number; mean: number; lo: number; hi: number; mc: number }[], title: string, legend: string, zero: boolean): ChartSpec {
  const values = rows.map((x) => ({ ...x, mean: 100 * x.mean, lo: 100 * x.lo, hi: 100 * x.hi, mcLo: 100 * (x.mean - x.mc), mcHi: 100 * (x.mean + x.mc) }));
  const layers: unknown[] = [{
    data: { values },
    encoding: { x: monthAxis(r), color: { field: 'group', type: 'nominal', title: legend } },
    layer: [
      { mark: { type: 'area', opacity: 0.18 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'area', opacity: 0.45 }, encoding: { y: { field: 'mcLo', type: 'quantitative' }, y2: { field: 'mcHi' } } },
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { field: 'mean', type: 'quantitative', title } } },
    ],
  }];
  if (zero) layers.push({ data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { field: 'zero', type: 'quantitative' } } });
  return { width: W, height: H, layer: layers } as ChartSpec;
}

/** Per-draw paired difference at the horizon: a histogram per comparison. */
function histogramSpec(r: PsaResult, data: PsaDrawData): ChartSpec {
  const v = r.policies[0].cumulative.length - 1;
  const n = r.patientsPerDraw;
  const values = r.comparisons.flatMap((c, q) => data.runs.map((run) => ({ comparison: `${c.b} - ${c.a}`, diff: (100 * (run.bOnly[q][v] - run.aOnly[q][v])) / n })));
  return {
    width: W, height: 220, data: { values },
    mark: { type: 'bar', opacity: 0.6 },
    encoding: {
      x: { field: 'diff', type: 'quantitative', bin: { maxbins: 40 }, title: `difference in cumulative response at ${r.horizon} months (points)` },
      y: { aggregate: 'count', type: 'quantitative', title: 'draws', stack: null },
      color: { field: 'comparison', type: 'nominal', title: 'difference' },
    },
  } as ChartSpec;
}

/** A probability per month (or per willingness to pay) per series: lines on [0, 1]. */
function probabilitySpec(values: { x: number; series: string; p: number }[], xTitle: string, yTitle: string, legend: string, xMax?: number): ChartSpec {
  return {
    width: W, height: 240, data: { values },
    mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, ...(xMax === undefined ? {} : { scale: { domain: [0, xMax], nice: false } }) },
      y: { field: 'p', type: 'quantitative', title: yTitle, scale: { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal', title: legend },
    },
  } as ChartSpec;
}

/** The tornado of one outcome: a bar per parameter from its low to its high setting, around the base value. */
function tornadoSpec(t: PsaResult['tornado'][number]): ChartSpec {
  const values = t.bars.flatMap((b) => [
    { parameter: b.label, end: 'parameter at its 2.5% quantile', from: 100 * t.base, to: 100 * b.low.outcome },
    { parameter: b.label, end: 'parameter at its 97.5% quantile', from: 100 * t.base, to: 100 * b.high.outcome },
  ]);
  return {
    width: W, height: Math.max(80, 26 * t.bars.length),
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.8 },
        encoding: {
          y: { field: 'parameter', type: 'nominal', sort: t.bars.map((b) => b.label), title: null, axis: { labelLimit: 320 } },
          x: { field: 'from', type: 'quantitative', title: `${t.outcome} at ${t.month} months (points)` },
          x2: { field: 'to' },
          color: { field: 'end', type: 'nominal', title: null },
        },
      },
      { data: { values: [{ base: 100 * t.base }] }, mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'base', type: 'quantitative' } } },
    ],
  } as ChartSpec;
}

/** EVPPI per parameter or group, per 100 patients, beside the EVPI. */
function evppiSpec(r: PsaResult): ChartSpec {
  const values = r.voi.evppi.map((e) => ({ name: e.name, value: 100 * e.value }));
  return {
    width: W, height: Math.max(80, 24 * values.length),
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          y: { field: 'name', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
          x: { field: 'value', type: 'quantitative', title: `expected value of information at ${r.voi.decisionMonth} months (responders per 100 patients)` },
        },
      },
      { data: { values: [{ evpi: 100 * r.voi.evpi }] }, mark: { type: 'rule', color: '#c00', strokeDash: [4, 4] }, encoding: { x: { field: 'evpi', type: 'quantitative' } } },
    ],
  } as ChartSpec;
}

function tables(r: PsaResult): string {
  const visits = keyVisits(r);
  const head = ['month', ...visits.map((v) => String(r.policies[0].cumulative[v].month))];
  const out: string[] = [];
  out.push('<h3>Cumulative response: mean over draws (95% uncertainty interval) ± Monte Carlo half-width of one draw</h3>');
  out.push(table(head, r.policies.map((p) => [p.id, ...visits.map((v) => {
    const c = p.cumulative[v];
    return `${pct(c.mean)} (${pct(c.lo)}-${pct(c.hi)}) ±${(100 * c.mcHalfWidth).toFixed(1)}`;
  })])));
  if (r.comparisons.length) {
    out.push('<h3>Paired difference in cumulative response, points: mean (95% uncertainty interval), P(b better than a)</h3>');
    out.push(table(head, r.comparisons.map((c) => [`${c.b} - ${c.a}`, ...visits.map((v) => {
      const d = c.cumulative[v];
      return `${pts(d.mean)} (${pts(d.lo)} to ${pts(d.hi)}) p=${d.pBetter.toFixed(2)}`;
    })])));
  }
  out.push('<h3>Uncertain parameters</h3>');
  out.push(table(['parameter', 'distribution', 'scenario value', 'drawn: mean (2.5%-97.5%)'], r.parameters.map((p) => [
    p.label, 'from' in p.distribution ? 'posterior draws of the calibration' : JSON.stringify(p.distribution),
    String(p.base), `${p.drawn.mean.toPrecision(4)} (${p.drawn.lo.toPrecision(4)}-${p.drawn.hi.toPrecision(4)})`,
  ])));
  out.push(`<h3>Value of information at ${r.voi.decisionMonth} months (responders per 100 patients)</h3>`);
  const rows = [['all parameters (EVPI)', '', per100(r.voi.evpi)], ...r.voi.evppi.map((e) => [e.name, e.parameters.join(', '), per100(e.value)])];
  out.push(table(['what is learned', 'parameters', 'value'], rows));
  if (r.voi.netBenefit) {
    const nb = r.voi.netBenefit;
    out.push(`<p class="meta">In net benefit at $${nb.wtp.toLocaleString('en-US')} per responder: EVPI $${nb.evpi.toFixed(0)} per patient; ${nb.evppi.map((e) => `${esc(e.name)} $${e.value.toFixed(0)}`).join('; ')}.</p>`);
  }
  return out.join('\n');
}

/** The report of a PSA. */
export async function psaReportHtml(r: PsaResult, data: PsaDrawData, scenario: Scenario, command: string): Promise<string> {
  const parts: string[] = [];
  parts.push(`<h1>${esc(r.scenario)}: probabilistic sensitivity analysis</h1>`);
  if (scenario.description) parts.push(`<p>${esc(scenario.description)}</p>`);
  parts.push(`<p class="meta">${r.draws.toLocaleString('en-US')} draws of the uncertain parameters, each a full run of ${r.patientsPerDraw.toLocaleString('en-US')} patients under every policy; seed ${r.seed}; response = SALT &lt;= ${r.responseThreshold}; engine ${esc(r.engineVersion)}; <code>${esc(command)}</code></p>`);
  parts.push(`<p class="meta">${esc(r.commonRandomNumbers)} ${esc(r.monteCarlo)}</p>`);
  for (const note of r.notes) parts.push(`<p class="meta">${esc(note)}</p>`);
  parts.push('<h2>Cumulative response with parameter uncertainty</h2>');
  parts.push(await figure('uncertainty-chart', 'Mean over draws per policy; light band: 95% uncertainty interval across draws (parameter uncertainty); dark band: ± the 95% Monte Carlo half-width of one draw.',
    bandsSpec(r, r.policies.flatMap((p) => p.cumulative.map((c) => ({ group: p.id, month: c.month, mean: c.mean, lo: c.lo, hi: c.hi, mc: c.mcHalfWidth }))), 'cumulative response (%)', 'policy', false)));
  if (r.comparisons.length) {
    parts.push('<h2>Paired differences across draws</h2>');
    parts.push(await figure('difference-chart', 'rate(b) - rate(a), paired within each draw, in points: mean over draws; light band: 95% uncertainty interval; dark band: ± the Monte Carlo half-width of one draw.',
      bandsSpec(r, r.comparisons.flatMap((c) => c.cumulative.map((d) => ({ group: `${c.b} - ${c.a}`, month: d.month, mean: d.mean, lo: d.lo, hi: d.hi, mc: d.mcHalfWidth }))), 'difference in cumulative response (points)', 'difference', true)));
    parts.push(await figure('difference-histogram', `Distribution over draws of the paired difference at ${r.horizon} months.`, histogramSpec(r, data)));
    parts.push(await figure('pbetter-chart', 'P(b better than a): the share of draws in which b has the higher cumulative response, by month.',
      probabilitySpec(r.comparisons.flatMap((c) => c.cumulative.map((d) => ({ x: d.month, series: `${c.b} vs ${c.a}`, p: d.pBetter }))), 'months since start of line 1', 'P(b better than a)', 'comparison', r.horizon)));
  }
  parts.push('<h2>Probability that each policy is best</h2>');
  parts.push(await figure('best-policy-chart', 'Share of draws in which each policy has the highest cumulative response, by month (ties shared).',
    probabilitySpec(r.bestPolicy.flatMap((b) => Object.entries(b.probability).map(([id, p]) => ({ x: b.month, series: id, p }))), 'months since start of line 1', 'probability of being best', 'policy', r.horizon)));
  if (r.acceptability) {
    const a = r.acceptability;
    parts.push(await figure('acceptability-chart', `Cost-effectiveness acceptability curve: the probability that each policy has the largest net benefit (willingness to pay x response at ${a.month} months - drug cost over the horizon), over the willingness to pay per additional responder.`,
      probabilitySpec(a.wtp.flatMap((w, i) => Object.entries(a.probability).map(([id, p]) => ({ x: w, series: id, p: p[i] }))), 'willingness to pay per additional responder (USD)', 'probability of the largest net benefit', 'policy')));
  }
  if (r.tornado.length) {
    parts.push('<h2>One-way sensitivity (tornado)</h2>');
    for (const [i, t] of r.tornado.entries()) {
      parts.push(await figure(`tornado-chart-${i}`, `${t.outcome} at ${t.month} months with one parameter at its 2.5% or 97.5% draw quantile and the others at the scenario's values (line: all at the scenario's values, ${pts(t.base)} points); largest swing first.`, tornadoSpec(t)));
    }
  }
  parts.push('<h2>Value of information</h2>');
  parts.push(await figure('evppi-chart', `Expected value of partial perfect information (EVPPI) per parameter or group at ${r.voi.decisionMonth} months, in responders per 100 patients: what knowing it would gain by choosing the best policy for it; dashed line: EVPI (knowing everything).`, evppiSpec(r)));
  parts.push('<h2>Key numbers</h2>');
  parts.push(tables(r));
  parts.push(`<h2>Resolved scenario</h2><pre>${esc(YAML.stringify(scenario))}</pre>`);
  return page(`jaksim psa: ${r.scenario}`, parts.join('\n'));
}
