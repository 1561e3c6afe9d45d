// Power analysis outputs: power.csv, power.json and report.html (power curve with its band and the chosen n).
import type { PowerResult } from '../engine/power.js';
import { renderSvg, type ChartSpec } from './charts.js';

const esc = (s: unknown): string => String(s)
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const num = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** power.csv: one row per n of the curve, then the sample-size search runs (`kind` says which). */
export function powerCsv(r: PowerResult): string {
  const head = 'kind,n,n_arm1,n_arm2,power,lo,hi,type1_error,type1_lo,type1_hi,effect_mean,effect_sd,effect_q025,effect_q50,effect_q975';
  const row = (kind: string, p: PowerResult['results'][number]) => [
    kind, p.n, p.nA ?? '', p.nB ?? '', p.power, p.lo, p.hi, p.typeIError, p.typeILo, p.typeIHi,
    p.effect.mean, p.effect.sd, p.effect.q025, p.effect.q50, p.effect.q975,
  ].join(',');
  return [head, ...r.results.map((p) => row('curve', p)), ...(r.sampleSizeSearch?.runs ?? []).map((p) => row('search', p))].join('\n') + '\n';
}

/** The document of `--json` and power.json. */
export function powerJson(r: PowerResult, command: string): string {
  return JSON.stringify({ ...r, command }, null, 2) + '\n';
}

function curveSpec(r: PowerResult): ChartSpec {
  const values = r.results.map((p) => ({ n: p.n, power: 100 * p.power, lo: 100 * p.lo, hi: 100 * p.hi, typeI: 100 * p.typeIError }));
  const layers: unknown[] = [
    { data: { values }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x: { field: 'n', type: 'quantitative', title: 'total sample size n' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    { data: { values }, mark: { type: 'line', point: true, color: '#4c78a8' }, encoding: { x: { field: 'n', type: 'quantitative' }, y: { field: 'power', type: 'quantitative', title: 'power (%)', scale: { domain: [0, 100] } } } },
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
  const x = { field: 'n', type: 'quantitative', title: 'total sample size n' } as const;
  return {
    width: 560, height: 220, data: { values },
    layer: [
      { mark: { type: 'rule', color: '#4c78a8' }, encoding: { x, y: { field: 'q025', type: 'quantitative', title: 'estimated effect (arm 2 - arm 1)' }, y2: { field: 'q975' } } },
      { mark: { type: 'rule', color: '#4c78a8', strokeWidth: 6 }, encoding: { x, y: { field: 'q25', type: 'quantitative' }, y2: { field: 'q75' } } },
      { mark: { type: 'tick', color: '#222', orient: 'horizontal' }, encoding: { x, y: { field: 'q50', type: 'quantitative' } } },
    ],
  } as ChartSpec;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; } th:first-child, td:first-child { text-align: left; }
thead th { background: #f4f4f4; } figcaption { font-size: 0.9rem; color: #555; max-width: 50rem; }
pre { background: #f8f8f8; padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; } .meta { color: #555; font-size: 0.9rem; }
.warning { background: #fff4e5; border-left: 4px solid #e08a00; padding: 0.5rem 0.75rem; max-width: 60rem; }
`;

/**
 * report.html of a power analysis: self-contained (inline CSS and SVG, nothing loaded); `warnings` are shown
 * above the results (uncalibrated drug parameters, compared policies that stop all drugs).
 */
export async function powerReportHtml(r: PowerResult, command: string, warnings: readonly string[] = []): Promise<string> {
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
<h2>Command</h2><pre>${esc(command)}</pre>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Power: ${r.scenario}`)}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}
