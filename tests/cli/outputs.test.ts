// Unusable output locations (--out, --report-dir) are found before any simulation: exit 2 naming the flag,
// nothing written. The runs asked for are huge (a missing check would simulate for minutes and time out).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { checkOutputFile, checkOutputFolder } from '../../src/io/outputCheck.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'not a folder\n');

/** Bad output folders and the reason the message gives. */
const BAD_FOLDERS: [string, RegExp][] = [
  [aFile, /\(a file, not a folder\)/],
  ['/dev/null', /\(a character device, not a folder\)/],
  [join(aFile, 'below'), /a-file is a file, not a folder\)/],
  ['/proc/sys', /no permission to write there|read-only file system/],
];

async function cli(args: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, err: err.join(''), out: out.join('') };
}

const huge = ['--patients', '1000000000', '--workers', '1'];
const psaHuge = ['--draws', '100000', '--patients-per-draw', '10000', '--workers', '1'];
const COMMANDS: [string, (out: string) => string[]][] = [
  ['run', (o) => ['run', 'scenarios/default.yaml', ...huge, '--out', o]],
  ['run --checkpoint', (o) => ['run', 'scenarios/default.yaml', ...huge, '--checkpoint', '--out', o]],
  ['run --shard', (o) => ['run', 'scenarios/default.yaml', ...huge, '--shard', '1/2', '--out', o]],
  ['sweep', (o) => ['sweep', 'scenarios/default.yaml', '--set', 'rhoClass=0,1', ...huge, '--out', o]],
  ['sweep --shard', (o) => ['sweep', 'scenarios/default.yaml', '--set', 'rhoClass=0,1', ...huge, '--shard', '1/2', '--out', o]],
  ['psa', (o) => ['psa', 'scenarios/default.yaml', ...psaHuge, '--out', o]],
  ['psa --shard', (o) => ['psa', 'scenarios/default.yaml', ...psaHuge, '--shard', '1/2', '--out', o]],
  ['psa --checkpoint', (o) => ['psa', 'scenarios/default.yaml', ...psaHuge, '--checkpoint', '--out', o]],
  ['predict --batch', (o) => ['predict', '--batch', 'examples/patients/batch.csv', '--draws', '100000000', '--workers', '1', '--out', o]],
  ['predict --batch --shard', (o) => ['predict', '--batch', 'examples/patients/batch.csv', '--draws', '100000000', '--workers', '1', '--shard', '1/2', '--out', o]],
  ['power', (o) => ['power', 'scenarios/default.yaml', '--arms', 'fail-6mo,fail-9mo', '--n', '1000', '--trials', '100000', '--workers', '1', '--out', o]],
];

describe('unusable output locations, before any work', () => {
  for (const [what, args] of COMMANDS) {
    it(`${what}: --out a file, /dev/null, a path under a file or an unwritable folder is exit 2 naming --out`, async () => {
      for (const [out, reason] of BAD_FOLDERS) {
        const r = await cli(args(out));
        expect(r.code, `${out}: ${r.err}`).toBe(2);
        expect(r.err).toMatch(new RegExp(`^jaksim: --out: expected a folder jaksim can write in, got ${JSON.stringify(out).replace(/[/.]/g, '\\$&')}`));
        expect(r.err).toMatch(reason);
        expect(r.out).toBe('');
      }
    });
  }

  it('predict and clinic: --out must be a new folder (it is written whole, never over something), checked before the work', async () => {
    const existing = mkdtempSync(join(tmpdir(), 'jaksim-outputs-existing-'));
    const cases: [string, RegExp][] = [
      [aFile, /\(a file already there\)/], [existing, /\(a folder that already exists\)/],
      [join(aFile, 'below'), /a-file is a file, not a folder\)/], ['/proc/sys/x', /no permission to write there|read-only file system/],
    ];
    for (const [out, reason] of cases) {
      for (const args of [['predict', 'examples/patients/bari-6mo.yaml', '--draws', '100000000', '--workers', '1'], ['clinic']]) {
        const r = await cli([...args, '--out', out]);
        expect(r.code, `${args[0]} ${out}: ${r.err}`).toBe(2);
        expect(r.err).toMatch(/^jaksim: --out: expected a new folder jaksim can create/);
        expect(r.err).toMatch(reason);
        expect(r.out).toBe('');
      }
    }
    expect(readdirSync(existing)).toEqual([]);
    rmSync(existing, { recursive: true });
  });

  it('merge: --out checked before writing (the partials merged are fine)', async () => {
    const shards = join(dir, 'shards');
    expect((await cli(['run', 'scenarios/default.yaml', '--patients', '5000', '--workers', '1', '--shard', '1/1', '--out', shards])).code).toBe(0);
    for (const [out, reason] of BAD_FOLDERS) {
      const r = await cli(['merge', shards, '--out', out]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^jaksim: --out: expected a folder jaksim can write in/);
      expect(r.err).toMatch(reason);
    }
  });

  it('calibrate: --out (a file path) and --report-dir are both checked before the fit; validate: --report-dir', async () => {
    const report = join(dir, 'report');
    for (const [out, reason] of [[join(dir), /a folder/], ['/dev/null', /a character device/], [join(aFile, 'c.yaml'), /a-file is a file, not a folder/]] as const) {
      const r = await cli(['calibrate', '--out', out, '--report-dir', report, '--workers', '1']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^jaksim: --out: expected a file jaksim can write/);
      expect(r.err).toMatch(reason);
    }
    for (const [bad, reason] of BAD_FOLDERS) {
      const r = await cli(['calibrate', '--out', join(dir, 'c.yaml'), '--report-dir', bad, '--workers', '1']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^jaksim: --report-dir: expected a folder jaksim can write in/);
      expect(r.err).toMatch(reason);
      const v = await cli(['validate', '--report-dir', bad, '--workers', '1']);
      expect(v.code, v.err).toBe(2);
      expect(v.err).toMatch(/^jaksim: --report-dir: expected a folder jaksim can write in/);
    }
    expect(existsSync(join(dir, 'c.yaml'))).toBe(false);
    expect(existsSync(report)).toBe(false);
  });

  it('calibrate: too few --posterior-proposals for the regression posterior is refused before the fit, nothing written', async () => {
    const out = join(dir, 'few.yaml');
    const report = join(dir, 'few-report');
    const r = await cli(['calibrate', '--out', out, '--report-dir', report, '--posterior-proposals', '60', '--workers', '1']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^jaksim: --posterior-proposals: the regression posterior of 25 parameters needs at least 108 proposals .*got 60/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(report)).toBe(false);
  });

  it('a folder that does not exist yet under a writable one is fine, and the check itself creates nothing', () => {
    const deep = join(dir, 'new', 'deeper', 'still');
    checkOutputFolder(deep, '--out');
    checkOutputFile(join(dir, 'new2', 'catalog.yaml'), '--out');
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'shards'].filter((f) => existsSync(join(dir, f))).sort());
    mkdirSync(join(dir, 'exists'));
    checkOutputFolder(join(dir, 'exists'), '--out');
  });
});
