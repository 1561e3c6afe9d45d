// `calibrate --posterior-only` refuses a catalog whose parameter vector is not the one the data give, an unknown method, a
// proposal count of 0 and one below what the regression needs (so does a full calibrate, before its fit), each with one message and exit 2, writing nothing (the happy path runs minutes: see
// docs/calibration.md "Posterior draws" for the shipped draws it wrote).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

async function run(args: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, err: err.join(''), out: out.join('') };
}

/** A fresh folder holding a copy of the shipped catalog. */
function copiedCatalog(): { dir: string; catalog: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-post-'));
  const catalog = join(dir, 'cat.yaml');
  copyFileSync('scenarios/catalog.calibrated.yaml', catalog);
  return { dir, catalog };
}

describe('calibrate --posterior-only', () => {
  it('refuses a catalog whose uncertainty.vector the data do not give, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-post-'));
    const catalog = join(dir, 'cat.yaml');
    const text = readFileSync('scenarios/catalog.calibrated.yaml', 'utf8').replace('- betaDur\n', '- betaDurRenamed\n');
    expect(text).toContain('betaDurRenamed');
    writeFileSync(catalog, text);
    const r = await run(['calibrate', '--posterior-only', '--out', catalog, '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cat\.yaml: uncertainty\.vector: expected the parameters data\/trials\.json gives \(25: .*betaDur, .*got 25: .*betaDurRenamed/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(existsSync(join(dir, 'cat.draws.json'))).toBe(false);
    expect(readFileSync(catalog, 'utf8')).toBe(text);
  });

  it('refuses --posterior-proposals 0', async () => {
    const { dir, catalog } = copiedCatalog();
    const r = await run(['calibrate', '--posterior-only', '--out', catalog, '--posterior-proposals', '0', '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--posterior-only: --posterior-proposals must be at least 1/);
    expect(existsSync(join(dir, 'cat.draws.json'))).toBe(false);
  });

  it('refuses fewer proposals than the regression needs (4 (p + 2), p = 25: 108), writing nothing', async () => {
    const { dir, catalog } = copiedCatalog();
    const before = readFileSync(catalog, 'utf8');
    const r = await run(['calibrate', '--posterior-only', '--out', catalog, '--posterior-proposals', '107', '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--posterior-proposals: the regression posterior of 25 parameters needs at least 108 proposals .*got 107/);
    expect(existsSync(join(dir, 'cat.draws.json'))).toBe(false);
    expect(readFileSync(catalog, 'utf8')).toBe(before);
  });

  it('refuses an unknown --posterior-method, writing nothing', async () => {
    const { dir, catalog } = copiedCatalog();
    const r = await run(['calibrate', '--posterior-only', '--out', catalog, '--posterior-method', 'mcmc', '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/posterior-method.*mcmc.*regression.*sir/s);
    expect(existsSync(join(dir, 'cat.draws.json'))).toBe(false);
  });
});

describe('the shipped posterior draws', () => {
  it('are a usable sample: distinct draws, an effective sample size of at least half of them, recorded in the catalog', () => {
    // The version-2 draws of the adaptive SIR sampler had an effective sample size of 5.8 (55 distinct of 1,000):
    // this guards against shipping such a sample again.
    const d = JSON.parse(readFileSync('data/catalog.calibrated.draws.json', 'utf8')) as {
      draws: number; ess: number; method: string; drugs: Record<string, { mu: number[] }>;
    };
    const mu = d.drugs['baricitinib-4mg'].mu;
    expect(mu).toHaveLength(d.draws);
    expect(new Set(mu).size).toBeGreaterThan(0.9 * d.draws);
    expect(d.ess).toBeGreaterThanOrEqual(d.draws / 2);
    expect(d.method).toMatch(/^Laplace approximation re-centred and re-scaled by regression/);
    expect(readFileSync('scenarios/catalog.calibrated.yaml', 'utf8')).toMatch(new RegExp(`effectiveSampleSize: ${d.ess}\n`));
  });
});
