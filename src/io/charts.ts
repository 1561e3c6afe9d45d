// Charts as inline SVG: a vega-lite spec in, an SVG string out (rendered in Node by vega, no browser, no canvas).
// vega and vega-lite are loaded on first use: importing them costs about 0.3 s of start-up.
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
 * Render a vega-lite spec (data inline as `data.values`) to an SVG string.
 * The spec's own `config` is merged over the defaults.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as ChartSpec;
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vgSpec = compile(withConfig).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
