// Nothing half-written: results appear only complete, failures leave no complete-looking folder, concurrent runs do not clobber.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeResultFolder } from '../../src/io/results.js';

function runChild(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ['bin/jaksim.js', ...args], { stdio: 'ignore' });
  return new Promise((r) => child.on('exit', (code) => r(code)));
}

describe('result folders', () => {
  it('two runs at once into the same results folder give two complete run folders', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-two-'));
    const args = ['run', 'scenarios/default.yaml', '--patients', '8192', '--workers', '1', '--out', out];
    expect(await Promise.all([runChild(args), runChild(args)])).toEqual([0, 0]);
    const runs = readdirSync(join(out, 'default'));
    expect(runs).toHaveLength(2);
    expect(runs[0]).not.toBe(runs[1]);
    for (const r of runs) {
      expect(r.startsWith('.')).toBe(false);
      expect(readdirSync(join(out, 'default', r)).sort()).toEqual(['comparisons.csv', 'curves.csv', 'report.html', 'summary.json']);
    }
    expect(readFileSync(join(out, 'default', runs[0], 'curves.csv'), 'utf8')).toBe(readFileSync(join(out, 'default', runs[1], 'curves.csv'), 'utf8'));
  });

  it('a write that fails part way leaves neither a run folder nor its hidden partial folder', () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-fail-'));
    // The second file cannot be written (its folder does not exist): the first must not survive as a result.
    expect(() => writeResultFolder(out, 's', { 'summary.json': '{}', 'no/such/curves.csv': '' }, 'run1')).toThrow();
    expect(readdirSync(join(out, 's'))).toEqual([]);
    expect(existsSync(join(out, 's', 'run1'))).toBe(false);
  });

  it('a run id already taken is never overwritten', () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-taken-'));
    writeResultFolder(out, 's', { 'summary.json': 'first' }, 'same');
    expect(() => writeResultFolder(out, 's', { 'summary.json': 'second' }, 'same')).toThrow();
    expect(readFileSync(join(out, 's', 'same', 'summary.json'), 'utf8')).toBe('first');
    expect(readdirSync(join(out, 's'))).toEqual(['same']);
  });
});
