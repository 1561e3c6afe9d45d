// `jaksim trial`: JSON shape, and rates equal to an independent re-computation of trial mode on the same patient draws.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armScenario } from '../../src/calibration/arm.js';
import { trialPopulation } from '../../src/calibration/data.js';
import { runCli } from '../../src/cli/main.js';
import { BLOCK_SIZE } from '../../src/engine/runBlock.js';
import { DEFAULTS } from '../../src/io/scenario.js';
import { loadTrialData } from '../../src/io/trials.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient } from '../../src/model/population.js';
import { streamFor } from '../../src/rng/streams.js';

const drug = { id: 'ritlecitinib-50mg', molecule: 'ritlecitinib', mu: 1.1, tau: 4.4, aeRate: 0.01 };
const globals = { ...DEFAULTS.globals, betaVerySevere: -1.1, sigma: 1.2 };

function catalogFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-trial-'));
  const file = join(dir, 'catalog.yaml');
  writeFileSync(file, `drugs:\n  - ${JSON.stringify(drug)}\nglobals: { betaVerySevere: -1.1, sigma: 1.2 }\n`);
  return file;
}

/** Trial mode written out from MODEL.md, on the patients drawPatient gives for the same seed and blocks. */
function independentRates(patients: number, seed: number, weeks: number[]) {
  const population = trialPopulation(loadTrialData('data/trials.json').populations.ALLEGRO);
  const c = compileScenario(armScenario({ population, drug, globals, weeks, patients, seed }));
  const p = new Patient(1);
  const r20 = weeks.map(() => [0, 0]);
  const r10 = weeks.map(() => [0, 0]);
  const n = [0, 0];
  for (let b = 0; b * BLOCK_SIZE < patients; b++) {
    const rng = streamFor(seed, b);
    for (let i = 0; i < Math.min(BLOCK_SIZE, patients - b * BLOCK_SIZE); i++) {
      drawPatient(rng, c, p);
      const band = p.salt0 >= 95 ? 1 : 0;
      n[band]++;
      weeks.forEach((w, j) => {
        const t = (7 * w) / (365.25 / 12);
        if (p.aeMonths[0] < t) return;
        const tau = 1 / p.invTau[0];
        const h = t > 0 ? 1 - Math.exp(-((t / tau) ** globals.k)) : 0;
        const salt = Math.min(100, p.salt0 + p.omega * t) * (1 - p.potential[0] * h);
        if (salt <= 20) r20[j][band]++;
        if (salt <= 10) r10[j][band]++;
      });
    }
  }
  return { n, r20, r10 };
}

describe('jaksim trial', () => {
  it('prints the documented JSON, with rates equal to an independent computation on the same draws', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const weeks = [12, 24, 48];
    const code = await runCli(['trial', 'ritlecitinib-50mg', '--population', 'ALLEGRO', '--weeks', weeks.join(','), '--patients', '10000',
      '--seed', '17', '--by-baseline', '50-94,95-100', '--catalog', catalogFile(), '--workers', '1', '--json'],
      { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(err.join('')).toMatch(/^warning: drug parameters not calibrated to the trials: ritlecitinib-50mg\.[^]*Scenario files"\)\.$/); // made-up parameters
    expect(code).toBe(0);
    const doc = JSON.parse(out.join(''));
    expect(Object.keys(doc).sort()).toEqual(['drug', 'imputation', 'patients', 'population', 'weeks']);
    expect(doc).toMatchObject({ drug: 'ritlecitinib-50mg', population: 'ALLEGRO', patients: 10000, imputation: 'nri' });
    const ref = independentRates(10000, 17, weeks);
    doc.weeks.forEach((w: any, j: number) => {
      expect(w.week).toBe(weeks[j]);
      for (const key of ['salt20', 'salt10']) {
        expect(Object.keys(w[key]).sort()).toEqual(['hi', 'lo', 'rate']);
        expect(w[key].lo).toBeLessThanOrEqual(w[key].rate);
        expect(w[key].hi).toBeGreaterThanOrEqual(w[key].rate);
      }
      expect(w.salt20.rate).toBe((ref.r20[j][0] + ref.r20[j][1]) / 10000);
      expect(w.salt10.rate).toBe((ref.r10[j][0] + ref.r10[j][1]) / 10000);
      expect(w.byBaseline.map((b: any) => b.band)).toEqual(['50-94', '95-100']);
      w.byBaseline.forEach((b: any, k: number) => {
        expect(b.patients).toBe(ref.n[k]);
        expect(b.salt20.rate).toBe(ref.r20[j][k] / ref.n[k]);
        expect(b.salt10.rate).toBe(ref.r10[j][k] / ref.n[k]);
      });
    });
    // Response rises with time on drug, and very severe disease responds less (betaVerySevere < 0).
    expect(doc.weeks[2].salt20.rate).toBeGreaterThan(doc.weeks[0].salt20.rate);
    expect(doc.weeks[2].byBaseline[1].salt20.rate).toBeLessThan(doc.weeks[2].byBaseline[0].salt20.rate);
  });

  it('--salt, --imputation, a re-randomised design and --patterns: the documented JSON, consistent counts', async () => {
    const out: string[] = [];
    const weeks = [24, 52, 60, 104];
    const code = await runCli(['trial', 'ritlecitinib-50mg', '--population', 'ALLEGRO', '--weeks', weeks.join(','), '--patients', '20000',
      '--seed', '5', '--catalog', catalogFile(), '--workers', '1', '--json', '--salt', '20,12.5', '--imputation', 'locf',
      '--at-week', '52', '--select', 'responders', '--then', 'stop', '--patterns'], { out: (t) => out.push(t), err: () => {} });
    expect(code).toBe(0);
    const doc = JSON.parse(out.join(''));
    expect(Object.keys(doc).sort()).toEqual(['design', 'drug', 'imputation', 'patients', 'patterns', 'population', 'weeks']);
    expect(doc.imputation).toBe('locf');
    expect(doc.design).toMatchObject({ atWeek: 52, select: 'responders', then: 'stop' });
    expect(doc.design.selected).toBeGreaterThan(1000);
    for (const w of doc.weeks) expect(Object.keys(w).sort()).toEqual(['lostBenefit', 'salt12.5', 'salt20', 'week']);
    // Rates are among the selected: every one responds at w0 itself, and nobody has lost benefit there.
    expect(doc.weeks[1].salt20.rate).toBe(1);
    expect(doc.weeks[1].lostBenefit.rate).toBe(0);
    expect(doc.weeks[0].lostBenefit).toBeNull(); // before w0
    // Stopping the drug: response falls and loss of benefit rises after w0 (tauOff 2 months).
    expect(doc.weeks[3].salt20.rate).toBeLessThan(doc.weeks[2].salt20.rate + 1e-12);
    expect(doc.weeks[3].lostBenefit.rate).toBeGreaterThan(0.5);
    // Patterns: one character per week, shares summing to 1, and a week's response rate is the share of the
    // patterns with a 1 there (counted apart from the rates).
    expect(doc.patterns.length).toBeGreaterThan(1);
    for (const p of doc.patterns) {
      expect(p.pattern).toMatch(/^[01]{4}$/);
      expect(Object.keys(p).sort()).toEqual(['hi', 'lo', 'pattern', 'share']);
    }
    expect(doc.patterns.reduce((a: number, p: any) => a + p.share, 0)).toBeCloseTo(1, 12);
    weeks.forEach((_, i) => {
      const share = doc.patterns.filter((p: any) => p.pattern[i] === '1').reduce((a: number, p: any) => a + p.share, 0);
      expect(share).toBeCloseTo(doc.weeks[i].salt20.rate, 12);
    });
  });

  it('under observed imputation reports the patients still observed at each week', async () => {
    const out: string[] = [];
    const code = await runCli(['trial', 'ritlecitinib-50mg', '--population', 'ALLEGRO', '--weeks', '12,48', '--patients', '5000',
      '--catalog', catalogFile(), '--workers', '1', '--json', '--imputation', 'observed'], { out: (t) => out.push(t), err: () => {} });
    expect(code).toBe(0);
    const doc = JSON.parse(out.join(''));
    const [w12, w48] = doc.weeks;
    expect(w12.observed).toBeLessThanOrEqual(5000);
    expect(w48.observed).toBeLessThan(w12.observed); // aeRate 0.01 a month
    expect(w48.observed).toBeGreaterThan(4000);
  });

  it('refuses bad version-2 flags with exit 2 and one line', async () => {
    const bad: [string[], RegExp][] = [
      [['--imputation', 'lcf'], /--imputation: expected nri, locf or observed, got "lcf"/],
      [['--salt', '20,,10'], /--salt: expected a comma-separated list of distinct SALT thresholds/],
      [['--salt', '20,20'], /--salt: expected a comma-separated list of distinct/],
      [['--at-week', '52', '--select', 'responders'], /--at-week, --select and --then: expected all three together/],
      [['--at-week', '52', '--select', 'all', '--then', 'stay'], /--select: expected responders or non-responders, got "all"/],
      [['--at-week', '52', '--select', 'responders', '--then', 'tofacitinib-5mg'], /--then: .*expected drug "tofacitinib-5mg" in the catalog/],
      [['--at-week', '52', '--select', 'responders', '--then', 'ritlecitinib-50mg'], /--then: expected another catalog drug, stay or stop/],
      [['--at-week', '0', '--select', 'responders', '--then', 'stay'], /--at-week: expected a week from above 0 to 520, got 0/],
      [['--patterns', '--weeks', '1,2,3,4,5,6,7,8,9,10,11,12,13'], /--patterns: expected at most 12 weeks in --weeks, got 13/],
    ];
    for (const [flags, message] of bad) {
      const err: string[] = [];
      const code = await runCli(['trial', 'ritlecitinib-50mg', '--population', 'ALLEGRO', '--catalog', catalogFile(), '--patients', '100', '--workers', '1', ...flags],
        { out: () => {}, err: (t) => err.push(t) });
      expect({ flags, code }).toEqual({ flags, code: 2 });
      expect(err.join('')).toMatch(message);
      expect(err.join('').trim().split('\n')).toHaveLength(1);
    }
  });

  it('refuses an unknown population or drug with exit 2', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t) };
    expect(await runCli(['trial', 'ritlecitinib-50mg', '--population', 'NOPE', '--catalog', catalogFile(), '--patients', '100'], io)).toBe(2);
    expect(err.join('')).toMatch(/--population: expected one of BRAVE-AA, ALLEGRO, THRIVE-AA, UP-AA, got "NOPE"/);
    err.length = 0;
    expect(await runCli(['trial', 'tofacitinib-5mg', '--population', 'ALLEGRO', '--catalog', catalogFile(), '--patients', '100'], io)).toBe(2);
    expect(err.join('')).toMatch(/expected drug "tofacitinib-5mg" in the catalog/);
  });
});
