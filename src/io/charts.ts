// Charts as inline SVG: a vega-lite spec in, an SVG string out (rendered in Node by vega, no browser, no canvas).
// vega and vega-lite are loaded on first use: importing them costs about 0.3 s of start-up (a build loads them
// from one bundled file, dist/vendor/charts.js: scripts/bundle-charts.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** Defaults for every chart: system fonts only (the report loads nothing), no actions. */
const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  view: { stroke: null },
};

/**
 * The spec with control characters of its titles shown escaped (a newline as \\n): vega-lite copies titles
 * into tooltip expressions, where a raw newline in user text (a policy or drug id) is a parse error.
 */
function plainTitles(spec: ChartSpec): ChartSpec {
  const plain = (v: unknown, key: string): unknown => {
    if (key === 'title' && typeof v === 'string') return v.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
    if (key === 'values' || v === null || typeof v !== 'object') return v; // data rows go in as they are
    if (Array.isArray(v)) return v.map((x) => plain(x, ''));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, k)]));
  };
  return plain(spec, '') as ChartSpec;
}

type ChartLibraries = { vega: typeof import('vega'); compile: typeof import('vega-lite').compile };

/** The bundle next to a build's io/ (absent beside the .ts sources, which tsx and vitest run). */
const BUNDLE = new URL('../vendor/charts.js', import.meta.url);

let libraries: Promise<ChartLibraries> | undefined;

/**
 * vega and vega-lite, imported once: the build's bundle, or the packages themselves. (Not loaded ahead while the
 * workers simulate: compiling it holds the main thread, which hands the workers their blocks, for 0.2-0.3 s.)
 */
function chartLibraries(): Promise<ChartLibraries> {
  libraries ??= existsSync(fileURLToPath(BUNDLE))
    ? import(BUNDLE.href) as Promise<ChartLibraries>
    : Promise.all([import('vega'), import('vega-lite')]).then(([vega, { compile }]) => ({ vega, compile }));
  return libraries;
}

/**
 * Render a vega-lite spec (data inline as `data.values`) to an SVG string.
 * The spec's own `config` is merged over the defaults.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { ...plainTitles(spec), config: { ...CONFIG, ...(spec.config ?? {}) } } as ChartSpec;
  const { vega, compile } = await chartLibraries();
  const vgSpec = compile(withConfig).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
