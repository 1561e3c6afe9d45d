// report.html: a self-contained page per run or sweep (inline CSS and SVG charts, no script, nothing loaded).
import YAML from 'yaml';
import type { RunResult } from '../engine/summarize.js';
import type { Scenario } from '../model/scenario.js';
import type { Difference, Ratio } from '../stats/intervals.js';
import type { ChartSpec } from './charts.js';
import { esc, figure, page, table } from './html.js';
import { sweepValueText, type SweepResult } from './sweepResults.js';
import { calibrationWarning, offDrugInResults, offDrugNote, offDrugPolicies, sweepUncalibratedDrugs, uncalibratedDrugs } from './calibrated.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const money = (x: number | null) => (x === null ? '-' : `$${Math.round(x).toLocaleString('en-US')}`);
const pp = (d: Difference) => `${signed(100 * d.diff)} (${signed(100 * d.lo)} to ${signed(100 * d.hi)})`;
const num = (d: Difference, digits = 2) => `${signed(d.diff, digits)} (${signed(d.lo, digits)} to ${signed(d.hi, digits)})`;
const ratio = (r: Ratio) => (r.value === null ? 'undefined (no difference in responders)'
  : `${money(r.value)} (${r.lo === null || r.hi === null ? 'interval unbounded: the response difference is not significant' : `${money(r.lo)} to ${money(r.hi)}`})`);

const KEY_MONTHS = [3, 6, 9, 12, 18, 24, 36];

/** The line of run and sweep (console and report): their intervals are Monte Carlo error alone. */
export const MONTE_CARLO_ONLY_NOTE = 'Intervals are Monte Carlo error only: parameter uncertainty (drug parameters, rhoClass) is not included; `jaksim psa <scenario>` includes it.';

/**
 * Visit indices of `months` (ascending; each must be a visit of the grid), or by default of the key months that
 * fall on the visit grid (the horizon always shown): the columns of run tables.
 */
export function keyVisits(result: RunResult, months?: readonly number[]): number[] {
  const grid = result.policies[0].cumulative.map((c) => c.month);
  const wanted = months ?? [...KEY_MONTHS.filter((m) => m < result.horizon), grid[grid.length - 1]];
  return grid.map((m, v) => (wanted.some((w) => Math.abs(w - m) < 1e-9) ? v : -1)).filter((v) => v >= 0);
}

const W = 560;
const H = 300;

/**
 * Is visit v (of n) drawn on a curve? All of them up to the chart's width in pixels; beyond, every k-th
 * and the last (a curve of 10,000 visits per policy had vega take minutes and gigabytes for nothing visible).
 */
function plotted(v: number, n: number): boolean {
  const step = Math.ceil(n / W);
  return step <= 1 || v % step === step - 1 || v === n - 1;
}

/** Policies' colours (tableau10) and a separate palette for differences (dark2), so a difference never looks like a policy. */
const POLICY_COLORS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
const DIFFERENCE_COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];
/** Dash patterns per series, so curves that coincide stay distinguishable (and in black and white). */
const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4]];
const cycle = <T>(list: readonly T[], n: number) => Array.from({ length: n }, (_, i) => list[i % list.length]);
/** Legend of filled squares at full opacity (the bands' opacity would make a faint swatch), in scenario order. */
const SOLID_LEGEND = { symbolType: 'square', symbolOpacity: 1, symbolStrokeWidth: 0, symbolSize: 120 } as const;

/** Colour and dash channels of a series field, the legend in the given (scenario) order. */
function seriesChannels(field: string, title: string, domain: string[], colors: readonly string[]) {
  return {
    color: { field, type: 'nominal', title, sort: domain, scale: { domain, range: cycle(colors, domain.length) }, legend: SOLID_LEGEND },
    strokeDash: { field, type: 'nominal', title, sort: domain, scale: { domain, range: cycle(DASHES, domain.length) }, legend: SOLID_LEGEND }, // merged with the colour legend
  } as const;
}

const MONTHS_AXIS = 'time since the start of the first line (months)';

/** Cumulative response per policy: a line per policy over a band of its 95% interval. */
function cumulativeSpec(result: RunResult): ChartSpec {
  const values = result.policies.flatMap((p) => [{ month: 0, rate: 0, lo: 0, hi: 0 }, ...p.cumulative.filter((_, v, all) => plotted(v, all.length))].map((c) => ({
    policy: p.id, month: c.month, rate: 100 * c.rate, lo: 100 * c.lo, hi: 100 * c.hi, // from month 0: nobody has responded yet
  })));
  const x = { field: 'month', type: 'quantitative', title: MONTHS_AXIS, scale: { domain: [0, result.horizon], nice: false } } as const;
  const { color, strokeDash } = seriesChannels('policy', 'policy', result.policies.map((p) => p.id), POLICY_COLORS);
  return {
    width: W, height: H, data: { values },
    encoding: { x, color },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { strokeDash, y: { field: 'rate', type: 'quantitative', title: 'cumulative response (% of patients)' } } },
    ],
  } as ChartSpec;
}

/** Paired difference curves, in percentage points, with their 95% bands and a zero line. */
function differenceSpec(result: RunResult): ChartSpec {
  const values = result.comparisons.flatMap((cmp) => [{ month: 0, diff: 0, lo: 0, hi: 0 }, ...cmp.cumulative.filter((_, v, all) => plotted(v, all.length))].map((d) => ({
    comparison: `${cmp.b} - ${cmp.a}`, month: d.month, diff: 100 * d.diff, lo: 100 * d.lo, hi: 100 * d.hi,
  })));
  const { color, strokeDash } = seriesChannels('comparison', 'difference', result.comparisons.map((c) => `${c.b} - ${c.a}`), DIFFERENCE_COLORS);
  return {
    width: W, height: H,
    layer: [
      {
        data: { values },
        encoding: {
          x: { field: 'month', type: 'quantitative', title: MONTHS_AXIS, scale: { domain: [0, result.horizon], nice: false } },
          color,
        },
        layer: [
          { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
          { mark: { type: 'line', strokeWidth: 2 }, encoding: { strokeDash, y: { field: 'diff', type: 'quantitative', title: 'difference in cumulative response (percentage points)' } } },
        ],
      },
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
    ],
  } as ChartSpec;
}

/** Of the patients who entered line k, the share who responded on it: bars per policy with 95% intervals. */
function byLineSpec(result: RunResult): ChartSpec {
  const values = result.policies.flatMap((p) => p.byLine.map((l) => ({
    policy: p.id, line: `line ${l.line}`, drug: l.drug, share: 100 * l.share, lo: 100 * l.lo, hi: 100 * l.hi,
  })));
  const ids = result.policies.map((p) => p.id);
  return {
    width: W, height: H, data: { values },
    encoding: {
      x: { field: 'line', type: 'ordinal', title: 'line of treatment', axis: { labelAngle: 0 } },
      xOffset: { field: 'policy', type: 'nominal', sort: ids, scale: { domain: ids } },
      color: seriesChannels('policy', 'policy', ids, POLICY_COLORS).color,
    },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'share', type: 'quantitative', title: 'responded on the line (% of those who entered it)' } } },
      { mark: { type: 'rule', color: '#333' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  } as ChartSpec;
}

/** Key-number tables of one run (HTML). */
function runTables(result: RunResult): string {
  const visits = keyVisits(result);
  const months = result.policies[0].cumulative;
  const head = ['month', ...visits.map((v) => String(months[v].month))];
  const out: string[] = [];
  out.push('<h3>Cumulative response (95% interval)</h3>');
  out.push(table(head, result.policies.map((p) => [p.id, ...visits.map((v) => {
    const c = p.cumulative[v];
    return `${pct(c.rate)} (${pct(c.lo)}-${pct(c.hi)})`;
  })])));
  if (result.comparisons.length > 0) {
    out.push('<h3>Paired differences in cumulative response, percentage points (95% interval)</h3>');
    out.push(table(head, result.comparisons.map((c) => [`${c.b} - ${c.a}`, ...visits.map((v) => pp(c.cumulative[v]))])));
  }
  out.push('<h3>Per policy</h3>');
  out.push(table(
    ['policy', 'responders', 'median months to response', 'months on non-responding lines', 'lines used (mean)', 'response share by line'],
    result.policies.map((p) => [
      p.id, pct(p.responders / result.patients),
      p.medianMonthsToFirstResponse === null ? '-' : String(p.medianMonthsToFirstResponse),
      `${p.meanNonResponseMonths.toFixed(2)} ± ${(1.96 * p.meanNonResponseMonthsSe).toFixed(2)}`,
      (p.linesUsed.reduce((a, l) => a + l.lines * l.patients, 0) / result.patients).toFixed(2),
      p.byLine.map((l) => pct(l.share)).join(' / '),
    ]),
  ));
  if (result.comparisons.length > 0) {
    const used = new Set(result.policies.flatMap((p) => p.sequence));
    const drugs = Object.keys(result.comparisons[0].drugMonths).filter((d) => used.has(d)); // not the whole catalog
    out.push('<h3>Paired differences of the secondary outputs, per patient (95% interval)</h3>');
    out.push(table(
      ['difference', 'months on non-responding lines', 'lines used', ...drugs.map((d) => `months on ${d}`)],
      result.comparisons.map((c) => [`${c.b} - ${c.a}`, num(c.nonResponseMonths), num(c.linesUsed, 3),
        ...drugs.map((d) => num(c.drugMonths[d]))]),
    ));
  }
  if (result.policies.every((p) => p.cost !== null)) {
    out.push(`<h3>Drug cost over ${result.horizon} months (list prices; 95% intervals, ratios by the delta method)</h3>`);
    out.push(table(['policy', 'cost per patient', 'cost per responder'], result.policies.map((p) => [
      p.id, `${money(p.cost!.perPatient.mean)} (${money(p.cost!.perPatient.lo)} to ${money(p.cost!.perPatient.hi)})`,
      ratio(p.cost!.perResponder),
    ])));
    if (result.comparisons.length > 0) {
      out.push(table(['difference', 'cost per patient', 'incremental cost per additional responder'], result.comparisons.map((c) => [
        `${c.b} - ${c.a}`,
        `${money(c.cost!.perPatient.diff)} (${money(c.cost!.perPatient.lo)} to ${money(c.cost!.perPatient.hi)})`,
        ratio(c.cost!.perAdditionalResponder),
      ])));
    }
  } else {
    out.push('<p class="meta">Costs: not computed, since the catalog gives no monthly price for some drug the policies use.</p>');
  }
  return out.join('\n');
}

/** Warnings a reader must see before the numbers: uncalibrated drug parameters, policies that stop all drugs. */
function notices(uncalibrated: string[], offDrug: string[]): string {
  const calibration = calibrationWarning(uncalibrated);
  const stop = offDrugNote(offDrug);
  return [
    calibration && `<p class="warning" id="uncalibrated-warning">${esc(calibration.replace(/^warning: /, 'Warning: '))}</p>`,
    stop && `<p class="warning" id="off-drug-note">${esc(stop)} A patient whose last drug fails is left untreated to the horizon; with afterLastLine: stay (the default) the last drug is kept.</p>`,
  ].filter(Boolean).join('\n');
}

function scenarioSection(scenario: Scenario): string {
  return `<h2>Resolved scenario</h2><p class="meta">Every default filled in.</p><pre>${esc(YAML.stringify(scenario))}</pre>`;
}

/** The report of one run: charts, key numbers and the resolved scenario. */
export async function runReportHtml(result: RunResult, scenario: Scenario, command: string): Promise<string> {
  const parts: string[] = [];
  parts.push(`<h1>${esc(result.scenario)}</h1>`);
  if (scenario.description) parts.push(`<p>${esc(scenario.description)}</p>`);
  parts.push(`<p class="meta">${result.patients.toLocaleString('en-US')} patients, seed ${result.seed}, response = SALT &lt;= ${result.responseThreshold}, visits every ${result.visitEveryMonths} month(s) to ${result.horizon}; engine ${esc(result.engineVersion)}; <code>${esc(command)}</code></p>`);
  parts.push(notices(uncalibratedDrugs(scenario), offDrugPolicies(scenario)));
  parts.push(`<p class="meta">${esc(MONTE_CARLO_ONLY_NOTE)}</p>`);
  parts.push('<h2>Cumulative response</h2>');
  parts.push(await figure('cumulative-chart', 'Share of all patients who responded (SALT <= threshold) at some visit up to each month, per policy; bands: 95% Wilson intervals (Monte Carlo error).', cumulativeSpec(result)));
  if (result.comparisons.length > 0) {
    parts.push('<h2>Paired difference</h2>');
    parts.push(await figure('difference-chart', 'Difference in cumulative response between policies applied to the same patients, in percentage points; bands: 95% intervals from the paired per-patient differences.', differenceSpec(result)));
  }
  parts.push('<h2>Response share by line</h2>');
  parts.push(await figure('by-line-chart', 'Of the patients who entered each line, the share who responded on it; bars: 95% Wilson intervals.', byLineSpec(result)));
  parts.push('<h2>Key numbers</h2>');
  parts.push(runTables(result));
  parts.push(scenarioSection(scenario));
  return page(`jaksim: ${result.scenario}`, parts.join('\n'));
}

/** The visit index of `month` in a result, or -1. */
function visitOf(result: RunResult, month: number): number {
  return result.policies[0].cumulative.findIndex((c) => Math.abs(c.month - month) < 1e-9);
}

/** Long rows of a sweep: per point and policy, response at a month with its interval. */
function sweepRows(sweep: SweepResult, month: number) {
  return sweep.points.flatMap((pt) => {
    const v = visitOf(pt.result, month);
    if (v < 0) return [];
    return pt.result.policies.map((p) => ({
      ...Object.fromEntries(sweep.parameters.map((q) => [q.path, pt.values[q.path]])),
      policy: p.id, rate: 100 * p.cumulative[v].rate, lo: 100 * p.cumulative[v].lo, hi: 100 * p.cumulative[v].hi,
    }));
  });
}

/** Plain names (with units) of the fields a sweep usually varies; any other field's name is spelled out from its path. */
const PLAIN_NAMES: Record<string, string> = {
  failAtMonths: 'months on a drug before declaring failure',
  extendToMonths: 'months a partial responder is kept on the drug',
  extendIfImprovedPct: 'improvement that extends a line (% of baseline SALT)',
  worseningFromMonths: 'month from which worsening ends a line',
  worseningPoints: 'worsening that ends a line (SALT points)',
  lossMarginPoints: 'margin above the threshold counted as a loss (SALT points)',
  rhoClass: 'correlation of response between molecules',
  rhoMolecule: 'correlation of response between doses of a molecule',
  responseThreshold: 'response threshold (SALT score)',
  horizon: 'horizon (months)',
  visitEveryMonths: 'months between visits',
  switchGapMonths: 'months off drug between two lines',
  tauOff: 'decay of the effect after a drug stops (months)',
  minoxidilShare: 'share of patients on oral minoxidil',
  worseningShare: 'share of patients whose hair loss worsens',
};

/** An axis title for a swept path: a plain name, never the raw field path (`policies[1].failAtMonths` names policy 2). */
export function plainParameterName(path: string): string {
  const field = path.split('.').pop()!;
  const name = PLAIN_NAMES[field] ?? field.replace(/\[\d+\]$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const policy = /^policies\[(\d+)\]/.exec(path);
  const drug = /^catalog\[(\d+)\]/.exec(path);
  return policy ? `${name} (policy ${Number(policy[1]) + 1})` : drug ? `${name} (drug ${Number(drug[1]) + 1})` : name;
}

const isNumeric = (values: unknown[]) => values.every((v) => typeof v === 'number');

/**
 * Response at a month against one parameter (others at their first value), per policy. Three or more numeric
 * values: a line with markers over its band. Two values, or values that are not numbers: points with interval
 * bars on an ordinal axis, since nothing was computed between them.
 */
function sweepLineSpec(sweep: SweepResult, month: number, param: number): ChartSpec {
  const p = sweep.parameters[param];
  const continuous = isNumeric(p.values) && p.values.length >= 3;
  const values = sweepRows(sweep, month).filter((r) => sweep.parameters.every((q, j) =>
    j === param || JSON.stringify((r as Record<string, unknown>)[q.path]) === JSON.stringify(q.values[0])))
    .map((r) => ({ ...r, x: continuous ? (r as Record<string, unknown>)[p.path] : sweepValueText((r as Record<string, unknown>)[p.path]) }));
  const ids = sweep.points[0].result.policies.map((q) => q.id);
  const { color, strokeDash } = seriesChannels('policy', 'policy', ids, POLICY_COLORS);
  const y = { field: 'rate', type: 'quantitative', title: `cumulative response at ${month} months (% of patients)` } as const;
  if (!continuous) {
    return {
      width: 420, height: 260, data: { values },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: plainParameterName(p.path), sort: p.values.map(sweepValueText), axis: { labelAngle: 0 } },
        xOffset: { field: 'policy', type: 'nominal', sort: ids, scale: { domain: ids } }, color,
      },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        { mark: { type: 'point', filled: true, size: 70, opacity: 1 }, encoding: { y, shape: { field: 'policy', type: 'nominal', sort: ids, scale: { domain: ids }, legend: SOLID_LEGEND } } },
      ],
    } as ChartSpec;
  }
  return {
    width: 420, height: 260, data: { values },
    encoding: { x: { field: 'x', type: 'quantitative', title: plainParameterName(p.path) }, color },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 50 } }, encoding: { y, strokeDash } },
    ],
  } as ChartSpec;
}

/** Response at a month over two parameters: a heat map per policy. */
function sweepHeatSpec(sweep: SweepResult, month: number): ChartSpec {
  const [p0, p1] = sweep.parameters;
  const label = sweepValueText;
  const values = sweepRows(sweep, month).map((r) => {
    const row = r as Record<string, unknown>;
    return { ...r, x: label(row[p0.path]), y: label(row[p1.path]), text: (r.rate).toFixed(1) };
  });
  const sort = (p: typeof p0) => p.values.map(label);
  const rates = values.map((r) => r.rate);
  const mid = (Math.min(...rates) + Math.max(...rates)) / 2; // dark text on the light (high) half of viridis
  return {
    data: { values },
    facet: { field: 'policy', type: 'nominal', title: null, sort: sweep.points[0].result.policies.map((q) => q.id) },
    columns: 3,
    spec: {
      width: 260, height: 200,
      encoding: {
        x: { field: 'x', type: 'ordinal', title: plainParameterName(p0.path), sort: sort(p0), axis: { labelAngle: 0 } },
        y: { field: 'y', type: 'ordinal', title: plainParameterName(p1.path), sort: sort(p1) },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'rate', type: 'quantitative', title: `cumulative response at ${month} months (%)`, scale: { scheme: 'viridis' } } } },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'text' }, color: { condition: { test: `datum.rate > ${mid}`, value: 'black' }, value: 'white' } } },
      ],
    },
  } as ChartSpec;
}

/** The report of a sweep: response at the horizon and at 12 months against the swept parameters, a table, the base scenario. */
export async function sweepReportHtml(sweep: SweepResult, base: Scenario, command: string): Promise<string> {
  const parts: string[] = [];
  const first = sweep.points[0].result;
  const months = [first.horizon, ...(first.horizon > 12 && visitOf(first, 12) >= 0 ? [12] : [])];
  parts.push(`<h1>${esc(sweep.scenario)}: sweep</h1>`);
  if (base.description) parts.push(`<p>${esc(base.description)}</p>`);
  parts.push(`<p class="meta">${sweep.points.length} grid points, each a full run of ${sweep.patients.toLocaleString('en-US')} patients with seed ${sweep.seed} (the same patients at every point); swept: ${
    sweep.parameters.map((p) => `<code>${esc(p.path)}</code> = ${esc(p.values.map(sweepValueText).join(', '))}`).join('; ')}; <code>${esc(command)}</code></p>`);
  parts.push(notices(sweepUncalibratedDrugs(base, sweep.parameters),
    offDrugInResults(sweep.points.map((pt) => pt.result))));
  parts.push(`<p class="meta">${esc(MONTE_CARLO_ONLY_NOTE)}</p>`);
  for (const month of months) {
    parts.push(`<h2>Cumulative response at ${month} months</h2>`);
    if (sweep.parameters.length === 2) {
      parts.push(await figure(`sweep-heat-${month}`, `Cumulative response at ${month} months (%) for each pair of values, one panel per policy.`, sweepHeatSpec(sweep, month)));
    } else {
      for (let j = 0; j < sweep.parameters.length; j++) {
        const others = sweep.parameters.filter((_, i) => i !== j).map((q) => `${q.path} = ${JSON.stringify(q.values[0])}`);
        parts.push(await figure(`sweep-line-${month}-${j}`, `Cumulative response at ${month} months against ${sweep.parameters[j].path}, one line per policy; bands: 95% intervals${others.length ? `; other parameters at ${others.join(', ')}` : ''}.`, sweepLineSpec(sweep, month, j)));
      }
    }
  }
  parts.push('<h2>Key numbers</h2>');
  const grid = (pt: SweepResult['points'][number]) => sweep.parameters.map((q) => sweepValueText(pt.values[q.path]));
  const monthHeads = months.map((m) => `${m} mo`);
  parts.push('<h3>Cumulative response (95% interval)</h3>');
  parts.push(table([...sweep.parameters.map((p) => p.path), 'policy', ...monthHeads], sweep.points.flatMap((pt) =>
    pt.result.policies.map((p) => [...grid(pt), p.id,
      ...months.map((m) => { const c = p.cumulative[visitOf(pt.result, m)]; return `${pct(c.rate)} (${pct(c.lo)}-${pct(c.hi)})`; })]))));
  if (first.comparisons.length > 0) {
    // Every comparison of the scenario, at every grid point (not only the first one involving a policy).
    parts.push('<h3>Paired differences in cumulative response, percentage points (95% interval)</h3>');
    parts.push(table([...sweep.parameters.map((p) => p.path), 'comparison', ...monthHeads], sweep.points.flatMap((pt) =>
      pt.result.comparisons.map((c) => [...grid(pt), `${c.b} - ${c.a}`, ...months.map((m) => pp(c.cumulative[visitOf(pt.result, m)]))]))));
  }
  parts.push(scenarioSection(base));
  return page(`jaksim sweep: ${sweep.scenario}`, parts.join('\n'));
}
