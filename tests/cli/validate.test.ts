// `jaksim validate` end to end (compiled build): exits 0 and writes report.html and the CSV files, with the catalog's stored intervals.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const exec = promisify(execFile);

function validate(args: string[]) {
  return exec(process.execPath, ['bin/jaksim.js', 'validate', ...args], { maxBuffer: 1 << 24 })
    .then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }));
}

/** Minimal CSV rows (quoted cells may hold commas). */
function csvRows(text: string): string[][] {
  return text.trim().split('\n').map((line) => {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { cells.push(cell); cell = ''; } else cell += ch;
    }
    cells.push(cell);
    return cells;
  });
}

describe('jaksim validate', () => {
  it('exits 0 and writes report.html, points.csv, curves.csv and parameters.csv (stored intervals, extrapolated curves marked)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-validate-'));
    // The shipped catalog is fitted on version 2 of the trial data (data/trials.json).
    const r = await validate(['--catalog', 'scenarios/catalog.calibrated.yaml', '--data', 'data/trials.json', '--report-dir', dir, '--draws', '2', '--workers', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Version 2's priors: the penalty shown apart from the data's deviance.
    expect(r.stdout).toMatch(/Fit: deviance \d+\.\d+ \(data \d+\.\d+ \+ priors \d+\.\d+\) on \d+ df/);
    expect(r.stdout).toContain('report.html');
    for (const f of ['report.html', 'points.csv', 'curves.csv', 'parameters.csv']) expect(existsSync(join(dir, f)), f).toBe(true);

    const catalog = YAML.parse(readFileSync('scenarios/catalog.calibrated.yaml', 'utf8'));
    const points = csvRows(readFileSync(join(dir, 'points.csv'), 'utf8'));
    expect(points[0].slice(0, 4)).toEqual(['trial', 'population', 'drug', 'week']);
    expect(points.length - 1).toBe(catalog.fit.dataPoints);
    const curves = csvRows(readFileSync(join(dir, 'curves.csv'), 'utf8'));
    expect(curves[0]).toEqual(['drug', 'population', 'imputation', 'week', 'salt20', 'salt20_lo', 'salt20_hi', 'salt10', 'extrapolated']);
    expect(new Set(curves.slice(1).map((c) => c[2]))).toEqual(new Set(['nri', 'locf', 'observed']));
    // Deuruxolitinib and upadacitinib have points to week 24 only: their curves after it are extrapolated, and said so.
    const deuru = curves.slice(1).filter((c) => c[0] === 'deuruxolitinib-8mg');
    expect(deuru.filter((c) => c[8] === 'true').map((c) => Number(c[3])).every((w) => w > 24)).toBe(true);
    expect(deuru.some((c) => Number(c[3]) === 156 && c[8] === 'true')).toBe(true);
    const flat = r.stdout.replace(/\n\s+/g, ' ');
    expect(flat).toMatch(/extrapolated beyond the data: .*deuruxolitinib-8mg after week 24/);
    expect(flat).toMatch(/upadacitinib-30mg after week 24/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('extrapolated after week 24');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>[\s\S]*<\/html>\s*$/i);

    // parameters.csv carries the intervals calibrate stored: profile likelihood, an open edge as an empty cell.
    const params = csvRows(readFileSync(join(dir, 'parameters.csv'), 'utf8'));
    expect(params[0]).toEqual(['parameter', 'estimate', 'lo', 'hi', 'se_fitted_scale', 'kind', 'note']);
    const stored = new Map<string, { lo: number | null; hi: number | null }>(
      catalog.uncertainty.parameters.map((p: { name: string; lo: number | null; hi: number | null }) => [p.name, p]));
    expect(params.length - 1).toBe(stored.size);
    for (const [name, , lo, hi, , , note] of params.slice(1)) {
      const s = stored.get(name)!;
      // The shipped catalog was fitted with --no-profile: Wald intervals (an open edge would be an empty cell).
      expect(note, name).not.toBeUndefined();
      expect(lo === '' ? null : Number(lo), name).toBe(s.lo);
      expect(hi === '' ? null : Number(hi), name).toBe(s.hi);
    }
  }, 60_000);
});
