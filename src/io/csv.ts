// The one CSV writer (RFC 4180): fields with a comma, quote, CR or LF are quoted with quotes doubled; text that a
// spreadsheet would run as a formula (= + - @, tab, CR at the start) is neutralised with a leading apostrophe.
/** A value of a CSV cell: numbers and booleans as they are, null and undefined empty, other objects as JSON. */
export type CsvValue = string | number | boolean | null | undefined | object;

/** Starts of text cells that spreadsheets treat as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field. Numbers are never altered (a negative number is a number, not a formula). */
export function csvCell(v: CsvValue): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  let text = typeof v === 'string' ? v : JSON.stringify(v);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record (no line end). */
export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** A whole CSV document: a header line, one line per row, LF line ends and a final LF. */
export function csvDocument(head: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [csvLine(head), ...rows.map(csvLine)].join('\n') + '\n';
}
