// `jaksim bench`: the document's fields, the baseline gate, and curves equal to a normal run's.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { measureWorkers } from '../../src/app/bench.js';
import { runCli } from '../../src/cli/main.js';
import { simulateScenario } from '../../src/app/run.js';
import { withEngine } from '../../src/engine/pool.js';
import { curvesCsv } from '../../src/io/results.js';
import { loadScenario } from '../../src/io/scenario.js';

const exec = promisify(execFile);

function bench(args: string[]) {
  return exec(process.execPath, ['bin/jaksim.js', 'bench', ...args], { maxBuffer: 1 << 24 })
    .then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }));
}

describe('jaksim bench', () => {
  it('--suite runs every case in every round (each round its own scratch --out: predict never writes over one)', async () => {
    const r = await bench(['--suite', '--workers', '1', '--repeat', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { figures: { case: string; seconds: number[] }[] };
    expect(doc.figures.map((f) => f.case).sort()).toEqual(['predict', 'psa', 'run', 'sweep']);
    for (const f of doc.figures) expect(f.seconds).toHaveLength(2);
  }, 120_000);

  it("a benchmark run's curves equal a normal run's curves for the same seed", async () => {
    const s = loadScenario('scenarios/canonical-bench.yaml');
    s.patients = 20_000;
    const measured = await withEngine(1, (e) => measureWorkers(s, e, 1));
    const normal = await withEngine(2, (e) => simulateScenario(s, e));
    expect(measured.curvesSha256).toBe(createHash('sha256').update(curvesCsv(normal)).digest('hex'));
  });

  it('--json writes the documented fields; a baseline far faster than now exits 3', async () => {
    const first = await bench(['--patients', '20000', '--repeat', '1', '--workers', '1,2', '--json']);
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({ benchmark: 'jaksim', schemaVersion: 1, scenario: 'canonical-bench', patients: 20000, repeat: 1 });
    expect(doc.results.map((r: { workers: number }) => r.workers)).toEqual([1, 2]);
    for (const r of doc.results) {
      expect(r.medianPatientsPerSecond).toBeGreaterThan(0);
      expect(r.minPatientsPerSecond).toBeLessThanOrEqual(r.maxPatientsPerSecond);
      expect(r.peakRssMiB).toBeGreaterThan(0);
      expect(r.curvesSha256).toBe(doc.results[0].curvesSha256);
    }
    expect(doc.results[0].parallelEfficiency).toBe(1);
    for (const r of doc.results) {
      expect(r.wholeProcessSeconds).toHaveLength(1);
      expect(r.wholeProcessSeconds[0]).toBeGreaterThan(r.seconds[0]); // the process outlives its timed run
      expect(r.cpuSeconds[0]).toBeGreaterThan(0);
    }
    // The C reference (gcc is on this machine's PATH): an independent implementation whose curves agree
    // with jaksim's within Monte Carlo error, and the ratios to it.
    expect(doc.reference).toMatchObject({ source: 'bench/reference/canonical.c', curvesAgree: true });
    expect(doc.reference.curvesMaxAbsZ).toBeLessThan(4.5);
    expect(doc.results[0].ratioToReference.inEngine).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'jaksim-bench-'));
    const fast = { ...doc, results: doc.results.map((r: object) => ({ ...r, medianPatientsPerSecond: 1e12 })) };
    writeFileSync(join(dir, 'fast.json'), JSON.stringify(fast));
    const gated = await bench(['--patients', '20000', '--repeat', '1', '--workers', '1', '--json', '--baseline', join(dir, 'fast.json')]);
    expect(gated.code).toBe(3);
    expect(JSON.parse(gated.stdout).baseline.regressed).toBe(true);

    const slow = { ...doc, results: doc.results.map((r: object) => ({ ...r, medianPatientsPerSecond: 1 })) };
    writeFileSync(join(dir, 'slow.json'), JSON.stringify(slow));
    const passed = await bench(['--patients', '20000', '--repeat', '1', '--workers', '1', '--json', '--baseline', join(dir, 'slow.json')]);
    expect(passed.code).toBe(0);
    expect(JSON.parse(passed.stdout).baseline.comparisons[0].changePct).toBeGreaterThan(0);
  });

  it('a malformed baseline or worker list is a user error (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-bench-'));
    writeFileSync(join(dir, 'bad.json'), '{"hello": 1}');
    const bad = await bench(['--patients', '1000', '--repeat', '1', '--baseline', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json: expected a jaksim bench JSON document/);
    const workers = await bench(['--workers', '1,zero']);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--workers: expected a comma-separated list/);
  });

  it('a baseline whose medians are missing, null, non-numeric or not positive, with no results or no common worker count, is refused before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-bench-'));
    const good = { benchmark: 'jaksim', schemaVersion: 1, results: [{ workers: 1, medianPatientsPerSecond: 700000 }] };
    const bad: [string, unknown, RegExp][] = [
      ['string median', { ...good, results: [{ workers: 1, medianPatientsPerSecond: 'fast' }] }, /results\[0\]\.medianPatientsPerSecond: expected a finite number, got "fast"/],
      ['missing median', { ...good, results: [{ workers: 1 }] }, /results\[0\]\.medianPatientsPerSecond: expected a finite number, got nothing/],
      ['null median', { ...good, results: [{ workers: 1, medianPatientsPerSecond: null }] }, /medianPatientsPerSecond: expected a finite number, got null/],
      ['zero median', { ...good, results: [{ workers: 1, medianPatientsPerSecond: 0 }] }, /medianPatientsPerSecond: expected a number > 0, got 0/],
      ['no results', { ...good, results: [] }, /results: expected at least 1 item/],
      ['a worker count twice', { ...good, results: [good.results[0], good.results[0]] }, /one result per worker count, got 1 worker\(s\) twice/],
      ['no common worker count', { ...good, results: [{ workers: 7, medianPatientsPerSecond: 1 }] }, /--baseline: .* has no result for --workers 1 \(it has 7\): the gate would compare nothing/],
    ];
    for (const [what, doc, message] of bad) {
      const file = join(dir, `${what.replace(/ /g, '-')}.json`);
      writeFileSync(file, JSON.stringify(doc));
      const err: string[] = [];
      const code = await runCli(['bench', '--patients', '1000', '--repeat', '1', '--workers', '1', '--baseline', file], { out: () => {}, err: (t) => err.push(t) });
      expect(code, what).toBe(2);
      expect(err.join(''), what).toMatch(message);
    }
  });
});
