// The `jaksim run` command end to end: compiled build and tsx, --json, result files, worker-count invariance.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/pool.js';
import { reportError } from '../../src/cli/main.js';
import { loadScenario } from '../../src/io/scenario.js';
import { compileScenario } from '../../src/model/compile.js';

const exec = promisify(execFile);

async function jaksim(args: string[], viaTsx = false) {
  const cmd = viaTsx ? ['node_modules/.bin/tsx', 'src/cli/bin.ts'] : ['bin/jaksim.js'];
  const { stdout, stderr } = await exec(viaTsx ? cmd[0] : process.execPath, [...(viaTsx ? cmd.slice(1) : cmd), ...args], {
    maxBuffer: 1 << 26,
  });
  return { stdout, stderr };
}

function onlyRunFolder(out: string): string {
  const scenarioDirs = readdirSync(out);
  expect(scenarioDirs).toEqual(['default']);
  const runs = readdirSync(join(out, 'default'));
  expect(runs).toHaveLength(1);
  expect(runs[0].startsWith('.')).toBe(false); // no partial folder left behind
  return join(out, 'default', runs[0]);
}

describe('jaksim run', () => {
  it('--json prints one JSON document holding the documented fields, and writes summary.json and curves.csv', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-run-'));
    const { stdout } = await jaksim(['run', 'scenarios/default.yaml', '--patients', '20000', '--workers', '1', '--json', '--out', out]);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ scenario: 'default', seed: 20251008, patients: 20000, workers: 1 });
    expect(typeof doc.engineVersion).toBe('string');
    expect(doc.policies.map((p: { id: string }) => p.id)).toEqual(['fail-6mo', 'fail-9mo']);
    for (const p of doc.policies) {
      expect(p.cumulative).toHaveLength(36);
      expect(p.point).toHaveLength(36);
      for (const r of [...p.cumulative, ...p.point]) {
        expect(r.lo).toBeLessThanOrEqual(r.rate);
        expect(r.rate).toBeLessThanOrEqual(r.hi);
        expect(r.lo).toBeGreaterThanOrEqual(0);
        expect(r.hi).toBeLessThanOrEqual(1);
      }
      expect(p.byLine).toHaveLength(3);
      expect(p.linesUsed.reduce((a: number, l: { patients: number }) => a + l.patients, 0)).toBe(20000);
      expect(p.medianMonthsToFirstResponse).toBeGreaterThan(0);
      expect(p.meanNonResponseMonths).toBeGreaterThan(0);
    }
    const folder = onlyRunFolder(out);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary.policies).toEqual(doc.policies);
    expect(summary.resolvedScenario.population.minoxidilShare).toBe(0.3);
    expect(summary.command).toMatch(/^jaksim run scenarios\/default\.yaml/);
    const csv = readFileSync(join(folder, 'curves.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('policy,month,patients,responders,cumulative,lo,hi,point_responders,point,point_lo,point_hi');
    expect(csv).toHaveLength(1 + 2 * 37); // months 0 to 36
    expect(csv[1].split(',').slice(1, 5).map(Number)).toEqual([0, 20000, 0, 0]);
    expect(csv[13].split(',').slice(0, 5).map(Number)).toEqual([NaN, 12, 20000, Math.round(doc.policies[0].cumulative[11].rate * 20000), doc.policies[0].cumulative[11].rate]);
  });

  it('curves.csv is byte-identical for 1 and 2 workers, and through tsx and the compiled build', async () => {
    const csvs: string[] = [];
    for (const [workers, viaTsx] of [['1', false], ['2', false], ['2', true]] as const) {
      const out = mkdtempSync(join(tmpdir(), 'jaksim-det-'));
      await jaksim(['run', 'scenarios/default.yaml', '--patients', '30000', '--workers', workers, '--json', '--out', out], viaTsx);
      csvs.push(readFileSync(join(onlyRunFolder(out), 'curves.csv'), 'utf8'));
    }
    expect(csvs[1]).toBe(csvs[0]);
    expect(csvs[2]).toBe(csvs[0]);
  });

  it('prints a readable table without --json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'jaksim-table-'));
    const { stdout } = await jaksim(['run', 'scenarios/default.yaml', '--patients', '5000', '--workers', '1', '--out', out]);
    expect(stdout).toMatch(/Cumulative response, % \(95% interval\)/);
    expect(stdout).toMatch(/fail-9mo - fail-6mo/);
    expect(stdout).toMatch(/Results: /);
  });
});

describe('errors inside a worker', () => {
  it('reject the run (no hang) and are reported as one line with a non-zero exit code', async () => {
    const s = loadScenario('scenarios/default.yaml');
    s.patients = 10_000;
    const broken = { ...compileScenario(s), layout: undefined } as unknown as ReturnType<typeof compileScenario>;
    const engine = new Engine({ workers: 2 });
    let caught: unknown;
    try {
      await engine.run(broken);
    } catch (err) {
      caught = err;
    } finally {
      await engine.close();
    }
    expect(caught).toBeInstanceOf(Error);
    const lines: string[] = [];
    expect(reportError(caught, { out: () => {}, err: (t) => lines.push(t) })).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^jaksim: internal error: /);
  });
});
