// The one CSV writer: RFC 4180 quoting checked by an independent parser (Python's csv module), formula
// prefixes neutralised in text cells only, and the console table kept one line per row for hostile ids.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { csvCell, csvDocument } from '../../src/io/csv.js';

const exec = promisify(execFile);

/** Rows of a CSV text as parsed by Python's csv module (the reader of RFC 4180 files we trust). */
function pythonRows(text: string): string[][] {
  const script = 'import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))';
  const file = join(mkdtempSync(join(tmpdir(), 'jaksim-csv-')), 'x.csv');
  writeFileSync(file, text);
  return JSON.parse(execFileSync('python3', ['-c', script, file]).toString()) as string[][];
}

const HOSTILE = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', 'all, of "it"\r\nat once'];

describe('csv.ts', () => {
  it('quotes exactly the fields that need it and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell([1, 'x'])).toBe('"[1,""x""]"');
  });

  it('neutralises formula starts in text cells, never in numbers', () => {
    for (const t of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx']) expect(csvCell(t)).toMatch(/^"?'/);
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(1e-7)).toBe('1e-7');
    expect(csvCell('x=1')).toBe('x=1');
  });

  it('a document of hostile text round-trips through Python csv', () => {
    const rows = HOSTILE.map((id, i) => [id, i, -i / 4]);
    const parsed = pythonRows(csvDocument(['id', 'n', 'x'], rows));
    expect(parsed).toEqual([['id', 'n', 'x'], ...rows.map((r) => r.map(String))]);
  });
});

describe('policy ids with a comma, a quote and a newline, end to end', () => {
  const ids = ['fail, then "switch"\nat 6', '=cmd|calc'];
  const scenario = (dir: string) => {
    const file = join(dir, 'hostile.yaml');
    const policies = ids.map((id, i) => ({ id, sequence: ['baricitinib-4mg', 'ritlecitinib-50mg'], failAtMonths: 6 + 3 * i }));
    writeFileSync(file, JSON.stringify({ name: 'hostile', seed: 3, patients: 4096, horizon: 12, policies, comparisons: [ids] }));
    return file;
  };

  it('curves.csv parses back to the ids (formula-like ids with their apostrophe); the console table keeps one line per row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-csv-run-'));
    const out = join(dir, 'results');
    const { stdout } = await exec(process.execPath, ['bin/jaksim.js', 'run', scenario(dir), '--workers', '1', '--out', out]);
    const [run] = readdirSync(join(out, 'hostile'));
    const rows = pythonRows(readFileSync(join(out, 'hostile', run, 'curves.csv'), 'utf8'));
    expect(rows[0]).toEqual(['policy', 'month', 'patients', 'responders', 'cumulative', 'lo', 'hi', 'point_responders', 'point', 'point_lo', 'point_hi']);
    expect([...new Set(rows.slice(1).map((r) => r[0]))]).toEqual([ids[0], `'${ids[1]}`]);
    expect(rows.slice(1).every((r) => r.length === 11)).toBe(true);
    // comparisons.csv: a and b parse back too.
    const cmp = pythonRows(readFileSync(join(out, 'hostile', run, 'comparisons.csv'), 'utf8'));
    expect(cmp[0].slice(0, 3)).toEqual(['a', 'b', 'month']);
    expect(cmp.slice(1).every((r) => r[0] === ids[0] && r[1] === `'${ids[1]}` && r.length === cmp[0].length)).toBe(true);
    // Console: the id is shown escaped on one line, every table row has the same width as its header.
    const table = stdout.split('\n');
    const escaped = ids[0].replace('\n', '\\n');
    expect(table.filter((l) => l.startsWith(escaped))).toHaveLength(3); // the cumulative, per-policy and cost tables
    expect(table.some((l) => l.startsWith('at 6'))).toBe(false);
    const header = table.findIndex((l) => l.startsWith('month'));
    expect(table[header + 1].length).toBe(table[header].length);
  });
});
