// Console tables that fit a width: columns padded, header cells on several lines ("\n"), and a table wider than
// the width split into blocks of columns, each repeating the first (label) column.

/** The width console tables keep within (a terminal of 100 columns). */
export const TABLE_WIDTH = 100;
const DEFAULT_GAP = 2;
/** A label longer than this is cut (with "~" at the end) so the table can still fit. */
const MAX_LABEL = 40;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}~` : text);

/**
 * Rows (the first is the header) as text no wider than `width`: the first `leftAligned` columns (default 1)
 * left-aligned, the others right-aligned. Header cells may hold several lines; a cell wider than the width is cut.
 */
export function fitTable(
  rows: string[][], width = TABLE_WIDTH, options: { maxLabel?: number; gap?: number; leftAligned?: number } = {},
): string {
  const maxLabel = options.maxLabel ?? MAX_LABEL;
  const GAP = options.gap ?? DEFAULT_GAP;
  const left = options.leftAligned ?? 1;
  const head = rows[0].map((h) => h.split('\n'));
  const body = rows.slice(1).map((r) => r.map((c, j) => cut(c, j === 0 ? Math.min(maxLabel, width) : width - GAP - 1)));
  const labels = [...head[0], ...body.map((r) => r[0])];
  const labelWidth = Math.min(Math.max(...labels.map((l) => l.length)), maxLabel);
  const widths = head.map((lines, j) => Math.max(...lines.map((l) => l.length), ...body.map((r) => (r[j] ?? '').length)));
  widths[0] = labelWidth;
  // Greedy blocks of columns 1..n that fit beside the label column.
  const blocks: number[][] = [];
  let block: number[] = [];
  let used = labelWidth;
  for (let j = 1; j < widths.length; j++) {
    const w = Math.min(widths[j], width - labelWidth - GAP);
    if (block.length > 0 && used + GAP + w > width) {
      blocks.push(block);
      block = [];
      used = labelWidth;
    }
    block.push(j);
    used += GAP + w;
  }
  blocks.push(block);
  const headLines = Math.max(...head.map((l) => l.length));
  const out = blocks.map((cols) => {
    const lines: string[] = [];
    for (let k = 0; k < headLines; k++) {
      const cell = (j: number) => head[j][k - (headLines - head[j].length)] ?? ''; // bottom-aligned
      lines.push(line(cut(cell(0), labelWidth), cols.map((j) => cell(j)), cols, widths, GAP, left));
    }
    for (const r of body) lines.push(line(r[0], cols.map((j) => r[j] ?? ''), cols, widths, GAP, left));
    return lines.join('\n');
  });
  return out.join('\n\n');
}

function line(label: string, cells: string[], cols: number[], widths: number[], gap: number, left: number): string {
  const pad = (c: string, i: number) => (cols[i] < left ? c.padEnd(widths[cols[i]]) : c.padStart(widths[cols[i]]));
  return [label.padEnd(widths[0]), ...cells.map(pad)].join(' '.repeat(gap)).trimEnd();
}

/** Text wrapped at spaces into lines of at most `width` characters (a word longer than the width stands alone). */
export function wrapText(text: string, width = TABLE_WIDTH, indent = ''): string {
  if (text.length <= width && !text.includes('\n')) return text; // fits: spacing kept as it is
  const lines: string[] = [];
  const lead = /^ */.exec(text)![0]; // a first line's own indent is kept
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = current ? `${current} ${word}` : `${lead}${word}`;
    if (next.length > width && current) {
      lines.push(current);
      current = `${indent}${word}`;
    } else {
      current = next;
    }
  }
  if (current) lines.push(current);
  return lines.join('\n');
}
