// Calibration recovers known parameters from rates the engine itself simulated (a large run with another seed).
import { describe, expect, it } from 'vitest';
import { simulateArm, armRate } from '../../src/calibration/arm.js';
import { trialPopulation, type TrialData } from '../../src/calibration/data.js';
import { calibrate } from '../../src/calibration/fit.js';
import { Engine } from '../../src/engine/pool.js';
import { DEFAULTS } from '../../src/io/scenario.js';
import type { Drug } from '../../src/model/scenario.js';

const populations = {
  TEST: {
    inclusion: 'adults; SALT >= 50; current episode <= 10 years',
    meanSalt: 88, shareSalt95to100: 0.6, meanEpisodeYears: 3, source: 'synthetic',
  },
};
const truth = { muA: 0.9, muB: 0.4, tau: 4.5, betaVerySevere: -0.8 };
const drugA: Drug = { id: 'alpha-10mg', molecule: 'alpha', mu: truth.muA, tau: truth.tau, aeRate: 0.003 };
// B has a single time point: its tau is tied to the class tau (here A's), so the truth uses the same tau.
const drugB: Drug = { id: 'beta-5mg', molecule: 'beta', mu: truth.muB, tau: truth.tau, aeRate: 0.003 };
const globals = { ...DEFAULTS.globals, betaVerySevere: truth.betaVerySevere };

async function publishedRates(engine: Engine): Promise<TrialData> {
  const population = trialPopulation(populations.TEST);
  const big = { population, globals, patients: 400_000, seed: 987654 };
  const a = await simulateArm(engine, { ...big, drug: drugA, weeks: [24, 48] });
  const b = await simulateArm(engine, { ...big, drug: drugB, weeks: [24] });
  const r = (arm: typeof a, w: number, band: number) => { const x = armRate(arm, w, 0, band); return x.x / x.n; };
  return {
    version: 'synthetic',
    populations,
    arms: [
      { trial: 'T-A', population: 'TEST', drug: drugA.id, n: 300, source: 'synthetic',
        response: [{ week: 24, salt20: r(a, 0, -1) }],
        byBaseline: [
          { band: '50-94', n: 250, response: [{ week: 48, salt20: r(a, 1, 0) }] },
          { band: '95-100', n: 350, response: [{ week: 48, salt20: r(a, 1, 1) }] },
        ] },
      { trial: 'T-A early', population: 'TEST', drug: drugA.id, n: 300, source: 'synthetic', response: [{ week: 24, salt20: r(a, 0, -1) }] },
      { trial: 'T-B', population: 'TEST', drug: drugB.id, n: 300, source: 'synthetic', response: [{ week: 24, salt20: r(b, 0, -1) }] },
    ],
    discontinuationForAdverseEvents: [
      { drug: drugA.id, weeks: 52, share: 1 - Math.exp(-0.003 * 52 * 7 / 30.4375) },
      { drug: drugB.id, weeks: 52, share: 1 - Math.exp(-0.003 * 52 * 7 / 30.4375) },
    ],
    monthlyListPriceUSD: [],
  };
}

describe('calibration recovers known parameters', () => {
  it('mu, tau, the class tau and betaVerySevere lie within their 95% profile-likelihood intervals', async () => {
    const engine = new Engine({ workers: 1 });
    try {
      const data = await publishedRates(engine);
      // T-A enters band by band (week 48; its total is then unused); T-A early gives week 24.
      const r = await calibrate(data, {
        engine, patients: 8192, seed: 5, starts: 2, maxEvals: 120, maxSweeps: 4, draws: 0, globals: { ...DEFAULTS.globals },
        fit: { sigma: false },
      });
      const est = new Map(r.estimates.map((e) => [e.name, e]));
      expect([...est.keys()].sort()).toEqual(['betaVerySevere', 'mu[alpha-10mg]', 'mu[beta-5mg]', 'tau[alpha-10mg]', 'tauClass'].sort());
      const within = (name: string, value: number) => {
        const e = est.get(name)!;
        expect(e.note, name).toMatch(/profile-likelihood interval/);
        // Every arm has a rate well inside (0, 1): each interval is bounded by the data on both sides.
        expect(e.lo, name).not.toBeNull();
        expect(e.hi, name).not.toBeNull();
        expect(e.lo!, name).toBeLessThanOrEqual(value);
        expect(e.hi!, name).toBeGreaterThanOrEqual(value);
        expect(e.lo!, name).toBeLessThan(e.estimate);
        expect(e.hi!, name).toBeGreaterThan(e.estimate);
      };
      within('mu[alpha-10mg]', truth.muA);
      within('mu[beta-5mg]', truth.muB);
      within('tau[alpha-10mg]', truth.tau);
      within('tauClass', truth.tau);
      within('betaVerySevere', truth.betaVerySevere);
      // Profile intervals are not symmetric Wald intervals: the mu profiles of drugs with a tau re-optimise it.
      expect(est.get('mu[alpha-10mg]')!.note).toMatch(/log tau re-optimised/);
      expect(est.get('tau[alpha-10mg]')!.note).toMatch(/mu re-optimised/);
      // Noise-free published rates: the fit is close to perfect (deviance well below its df-scale).
      expect(r.deviance).toBeLessThan(2);
      expect(r.points.every((p) => p.withinPublished)).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
