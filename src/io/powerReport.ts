// Power analysis result document and its outputs: power.csv, power.json and report.html (power curve with its band and the chosen n).
import { renderSvg, type ChartSpec } from './charts.js';
import { csvDocument } from './csv.js';
import YAML from 'yaml';
import { esc, page, table } from './html.js';

export type TestName = 'z' | 'fisher' | 'newcombe' | 'welch';
export type EndpointKind = 'cumulative' | 'point' | 'nonresponse';

export interface EffectSummary { mean: number; sd: number; q025: number; q25: number; q50: number; q75: number; q975: number }

export interface PowerPoint {
  n: number;
  /** Parallel: patients on arm 1 and arm 2. */
  nA: number | null;
  nB: number | null;
  power: number;
  lo: number;
  hi: number;
  /** Rejection rate of the same trials with arm 2's policy replaced by arm 1's (SMART: every option replaced by the first compared one). */
  typeIError: number;
  typeILo: number;
  typeIHi: number;
  /** Estimated effect (arm 2 - arm 1, or regime 2 - regime 1) over the trials. */
  effect: EffectSummary;
  /** Mean over trials of each arm's (or embedded regime's) estimated end point. */
  means: { id: string; mean: number }[];
}

export interface PowerResult {
  design: 'parallel' | 'smart';
  scenario: string;
  endpoint: string;
  test: TestName;
  alpha: number;
  sides: 1 | 2;
  arms: string[];
  ratio: string | null;
  options: string[] | null;
  decisionMonth: number | null;
  compare: string[] | null;
  trials: number;
  seed: number;
  target: number;
  results: PowerPoint[];
  /** Smallest n found to reach the target power (null when no n of the grid does). */
  sampleSize: number | null;
  sampleSizeSearch: { note: string; runs: PowerPoint[] } | null;
  elapsedSeconds: number;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const num = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/**
 * power.csv: one row per n of the curve, then the sample-size search runs (`kind` says which). Every row carries
 * the assumptions it was computed under (design, end point, alpha, sides, test, arms, ratio, decision month), and
 * the mean over trials of each arm's (regime's) estimated end point, so a row read alone is complete.
 */
export function powerCsv(r: PowerResult): string {
  const head = ['kind', 'design', 'endpoint', 'alpha', 'sides', 'test', 'arm1', 'arm2', 'ratio', 'decision_month',
    'n', 'n_arm1', 'n_arm2', 'arm1_rate', 'arm2_rate', 'power', 'lo', 'hi', 'type1_error', 'type1_lo', 'type1_hi',
    'effect_mean', 'effect_sd', 'effect_q025', 'effect_q50', 'effect_q975'];
  const [arm1, arm2] = r.arms; // SMART: the two compared regimes
  const assumptions = [r.design, r.endpoint, r.alpha, r.sides, r.test, arm1, arm2, r.ratio, r.decisionMonth];
  const rate = (p: PowerPoint, id: string) => { const m = p.means.find((x) => x.id === id)?.mean; return m !== undefined && Number.isFinite(m) ? m : null; };
  const row = (kind: string, p: PowerPoint) => [
    kind, ...assumptions, p.n, p.nA, p.nB, rate(p, arm1), rate(p, arm2),
    p.power, p.lo, p.hi, p.typeIError, p.typeILo, p.typeIHi,
    p.effect.mean, p.effect.sd, p.effect.q025, p.effect.q50, p.effect.q975,
  ];
  return csvDocument(head, [...r.results.map((p) => row('curve', p)), ...(r.sampleSizeSearch?.runs ?? []).map((p) => row('search', p))]);
}

/** The document of `--json` and power.json. */
export function powerJson(r: PowerResult, command: string): string {
  return JSON.stringify({ ...r, command }, null, 2) + '\n';
}

function curveSpec(r: PowerResult): ChartSpec {
  const values = r.results.map((p) => ({ n: p.n, power: 100 * p.power, lo: 100 * p.lo, hi: 100 * p.hi, typeI: 100 * p.typeIError }));
  const layers: unknown[] = [
    { data: { values }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x: { field: 'n', type: 'quantitative', title: 'total sample size (patients)' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    { data: { values }, mark: { type: 'line', point: true, color: '#4c78a8' }, encoding: { x: { field: 'n', type: 'quantitative' }, y: { field: 'power', type: 'quantitative', title: 'power and type I error (%)', scale: { domain: [0, 100] } } } },
    { data: { values }, mark: { type: 'line', strokeDash: [2, 2], color: '#e45756' }, encoding: { x: { field: 'n', type: 'quantitative' }, y: { field: 'typeI', type: 'quantitative' } } },
    { data: { values: [{ target: 100 * r.target }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { field: 'target', type: 'quantitative' } } },
  ];
  if (r.sampleSize !== null) {
    layers.push({ data: { values: [{ n: r.sampleSize }] }, mark: { type: 'rule', color: '#54a24b', strokeWidth: 2 }, encoding: { x: { field: 'n', type: 'quantitative' } } });
  }
  return { width: 560, height: 300, layer: layers } as ChartSpec;
}

/** The estimated effect over the trials at each n: 2.5-97.5% (thin), 25-75% (thick), median (tick). */
function effectSpec(r: PowerResult): ChartSpec {
  const values = r.results.map((p) => ({ n: p.n, ...p.effect }));
  const x = { field: 'n', type: 'quantitative', title: 'total sample size (patients)' } as const;
  return {
    width: 560, height: 220, data: { values },
    layer: [
      { mark: { type: 'rule', color: '#4c78a8' }, encoding: { x, y: { field: 'q025', type: 'quantitative', title: `estimated effect: ${r.arms[1]} - ${r.arms[0]} (${r.endpoint})` }, y2: { field: 'q975' } } },
      { mark: { type: 'rule', color: '#4c78a8', strokeWidth: 6 }, encoding: { x, y: { field: 'q25', type: 'quantitative' }, y2: { field: 'q75' } } },
      { mark: { type: 'tick', color: '#222', orient: 'horizontal' }, encoding: { x, y: { field: 'q50', type: 'quantitative' } } },
    ],
  } as ChartSpec;
}

/** The assumptions of a power analysis as rows of a table: what a reader needs to judge the numbers. */
function assumptionRows(r: PowerResult): string[][] {
  const last = r.results[r.results.length - 1];
  const rates = last ? last.means.map((m) => `${m.id}: ${num(m.mean)}`).join('; ') : '-';
  return [
    ['design', r.design === 'smart' ? `SMART, re-randomisation of non-responders at month ${r.decisionMonth} among ${r.options!.join(', ')}` : 'parallel groups'],
    [r.design === 'smart' ? 'compared regimes' : 'arms', r.arms.join(' vs ')],
    ...(r.ratio === null ? [] : [['allocation ratio', r.ratio]]),
    ['end point', r.endpoint],
    ['test', r.design === 'smart' ? 'IPW, sandwich z test' : r.test],
    ['alpha', `${r.alpha}, ${r.sides}-sided`],
    ['target power', pct(r.target)],
    [`simulated end point per ${r.design === 'smart' ? 'option' : 'arm'} (mean over trials at n = ${last?.n ?? '-'})`, rates],
    ['simulated trials per n', String(r.trials)],
    ['seed', String(r.seed)],
  ];
}

/**
 * report.html of a power analysis: self-contained (inline CSS and SVG, nothing loaded); `warnings` are shown
 * above the results (uncalibrated drug parameters, compared policies that stop all drugs). The assumptions the
 * power rests on are listed in a table, and the resolved scenario (every default filled in) closes the page.
 */
export async function powerReportHtml(
  r: PowerResult, command: string, warnings: readonly string[] = [], resolvedScenario?: unknown,
): Promise<string> {
  const what = r.design === 'smart'
    ? `SMART: first line shared, non-responders at month ${r.decisionMonth} re-randomised among ${r.options!.join(', ')}; comparing embedded regimes ${r.compare!.join(' vs ')} (IPW, sandwich z test)`
    : `parallel groups ${r.arms.join(' vs ')} (ratio ${r.ratio}), ${r.test} test`;
  const size = r.sampleSize === null
    ? `No n of the grid reaches ${pct(r.target)} power.`
    : `Sample size for ${pct(r.target)} power: n = ${r.sampleSize} (${r.sampleSizeSearch?.note ?? ''}).`;
  const rows = r.results.map((p) => [
    String(p.n), p.nA === null ? '-' : `${p.nA} / ${p.nB}`, `${pct(p.power)} (${pct(p.lo)}-${pct(p.hi)})`,
    `${pct(p.typeIError)} (${pct(p.typeILo)}-${pct(p.typeIHi)})`,
    `${num(p.effect.mean)} (SD ${num(p.effect.sd)}; 2.5-97.5%: ${num(p.effect.q025)} to ${num(p.effect.q975)})`,
    p.means.map((m) => `${m.id}: ${num(m.mean)}`).join('; '),
  ]);
  const search = (r.sampleSizeSearch?.runs ?? []).map((p) => [String(p.n), `${pct(p.power)} (${pct(p.lo)}-${pct(p.hi)})`]);
  const svg = await renderSvg(curveSpec(r));
  const effectSvg = await renderSvg(effectSpec(r));
  const body = `<h1>Power analysis: ${esc(r.scenario)}</h1>
<p class="meta">${esc(what)}; end point ${esc(r.endpoint)}; alpha ${r.alpha}, ${r.sides}-sided; ${r.trials} simulated trials per n; seed ${r.seed}; ${r.elapsedSeconds.toFixed(1)} s.</p>
${warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join('\n')}
<p><strong>${esc(size)}</strong></p>
<figure id="power-curve">${svg}<figcaption>Simulated power (blue, with its 95% Monte Carlo band), type I error of the same trials with ${r.design === 'smart' ? 'every option' : 'both arms'} on ${esc(r.arms[0])} (red, dashed), the target (grey)${r.sampleSize === null ? '' : ' and the chosen n (green)'}.</figcaption></figure>
<figure id="effect-distribution">${effectSvg}<figcaption>Distribution of the estimated effect over the simulated trials at each n: 2.5-97.5% (thin line), 25-75% (thick), median (tick).</figcaption></figure>
<h2>Power by total sample size</h2>
${table(['n', 'arm 1 / arm 2', 'power (95% MC)', 'type I error (95% MC)', 'estimated effect: mean (SD; 2.5-97.5%)', 'mean estimate per arm or regime'], rows)}
${search.length ? `<h2>Sample-size confirmation runs</h2>${table(['n', 'power (95% MC)'], search)}` : ''}
<h2>Assumptions</h2>
${table(['assumption', 'value'], assumptionRows(r))}
<h2>Command</h2><pre>${esc(command)}</pre>
${resolvedScenario === undefined ? '' : `<h2>Resolved scenario</h2><p class="meta">Every default filled in.</p><pre id="resolved-scenario">${esc(YAML.stringify(resolvedScenario))}</pre>`}`;
  return page(`Power: ${r.scenario}`, body);
}
