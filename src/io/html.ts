// The one HTML shell of every report (run, sweep, power, calibration): a self-contained page with inline CSS,
// a content security policy that loads nothing, and the helpers that escape text into it.
import { renderSvg, type ChartSpec } from './charts.js';

/** Text (or any value, as text) escaped for HTML content and attribute values. */
export const esc = (s: unknown): string => String(s)
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; } th:first-child, td:first-child { text-align: left; }
thead th { background: #f4f4f4; }
figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; color: #555; max-width: 50rem; }
pre { background: #f8f8f8; padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; }
.meta { color: #555; font-size: 0.9rem; }
.warning { background: #fff4e5; border-left: 4px solid #e08a00; padding: 0.5rem 0.75rem; max-width: 60rem; }
`;

/** A whole report page: `title` (text) and `body` (HTML); `style` adds report-specific CSS. */
export function page(title: string, body: string, style = ''): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}${style}</style></head>
<body>
${body}
</body></html>
`;
}

/** A table of text cells (every cell escaped). */
export function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A chart rendered to inline SVG, with its caption (text). */
export async function figure(id: string, caption: string, spec: ChartSpec): Promise<string> {
  return `<figure id="${esc(id)}">${await renderSvg(spec)}<figcaption>${esc(caption)}</figcaption></figure>`;
}
