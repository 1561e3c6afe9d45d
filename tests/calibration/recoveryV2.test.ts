// Calibration version 2 recovers known escape rate, tauOff and sTauOff from rates the engine simulated
// (a large run, another seed) for a plain arm, a maintenance design and a withdrawal design.
import { describe, expect, it } from 'vitest';
import { armLost, armRate, simulateArm, type ArmSetup } from '../../src/calibration/arm.js';
import { trialPopulation, type TrialData } from '../../src/calibration/data.js';
import { calibrate } from '../../src/calibration/fit.js';
import { Engine } from '../../src/engine/pool.js';
import { DEFAULTS } from '../../src/io/scenario.js';
import { IMPUTATION_LOCF, SELECT_RESPONDERS, THEN_STAY } from '../../src/model/trial.js';
import { weeksToMonths } from '../../src/model/units.js';
import type { Drug } from '../../src/model/scenario.js';

const populations = {
  TEST: { inclusion: 'adults; SALT >= 50; current episode <= 10 years', meanSalt: 88, shareSalt95to100: 0.6, meanEpisodeYears: 3, source: 'synthetic' },
};
const truth = { mu: 1.2, tau: 4, escape: 0.012, muPlacebo: -0.6, tauOff: 5, sTauOff: 0.6 };
const drug: Drug = { id: 'alpha-10mg', molecule: 'alpha', mu: truth.mu, tau: truth.tau, aeRate: 0.003, escapeRate: truth.escape };
// The placebo's escape takes the class value (here alpha's, the only own rate): the truth uses the same.
const placebo: Drug = { id: 'placebo', molecule: 'placebo', mu: truth.muPlacebo, tau: truth.tau, aeRate: 0.003, escapeRate: truth.escape };
const globals = { ...DEFAULTS.globals, tauOff: truth.tauOff, sTauOff: truth.sTauOff };
const W0 = 24;

async function publishedRates(engine: Engine): Promise<TrialData> {
  const big = { population: trialPopulation(populations.TEST), globals, patients: 300_000, seed: 424242 };
  const rate = (c: { x: number; n: number }) => c.x / c.n;
  const plain = await simulateArm(engine, { ...big, drug, weeks: [12, 24, 48] });
  const pl = await simulateArm(engine, { ...big, drug: placebo, weeks: [24] });
  const design = (then: number, weeks: number[], others: Drug[]): Promise<ReturnType<typeof simulateArm> extends Promise<infer T> ? T : never> =>
    simulateArm(engine, { ...big, drug, others, weeks, imputation: IMPUTATION_LOCF,
      design: { atMonths: weeksToMonths(W0), select: SELECT_RESPONDERS, then } } as ArmSetup);
  const stay = await design(THEN_STAY, [52, 104], []);
  const off = await design(1, [28, 32, 52, 104], [placebo]);
  const ae = (id: string) => ({ drug: id, weeks: 52, share: 1 - Math.exp(-0.003 * weeksToMonths(52)) });
  return {
    version: 'synthetic',
    populations,
    arms: [
      { trial: 'T-A', population: 'TEST', drug: drug.id, n: 400, source: 'synthetic',
        response: [12, 24, 48].map((week, w) => ({ week, salt20: rate(armRate(plain, w, 0, -1)) })) },
      { trial: 'T-P', population: 'TEST', drug: placebo.id, n: 400, source: 'synthetic', response: [{ week: 24, salt20: rate(armRate(pl, 0, 0, -1)) }] },
    ],
    maintenance: [{ trial: 'T-M', population: 'TEST', imputation: 'LOCF', design: `responders at week ${W0} stay`, source: 'synthetic',
      arms: [{ from: drug.id, to: drug.id, n: 300,
        points: [52, 104].map((week, w) => ({ week, salt20: rate(armRate(stay, w, 0, -1)), lostBenefit: rate(armLost(stay, w)) })) }] }],
    withdrawal: [{ trial: 'T-W', population: 'TEST', imputation: 'LOCF', design: `responders at week ${W0} to placebo`, source: 'synthetic',
      arms: [{ from: drug.id, to: placebo.id, n: 300 }],
      points: [28, 32, 52, 104].map((week, w) => ({ week, arms: 'both withdrawn arms', lostBenefit: rate(armLost(off, w)) })) }],
    discontinuationForAdverseEvents: [ae(drug.id), ae(placebo.id)],
    monthlyListPriceUSD: [],
  };
}

describe('calibration version 2 recovers known parameters', () => {
  it('escape rate, tauOff and sTauOff lie within 4 standard errors of the truth', async () => {
    const engine = new Engine({ workers: 1 });
    try {
      const data = await publishedRates(engine);
      const r = await calibrate(data, {
        engine, patients: 4096, seed: 7, starts: 1, maxEvals: 80, maxSweeps: 3, draws: 0, profile: false,
        globals: { ...DEFAULTS.globals }, fit: { sigma: false, betaVerySevere: false, onsetShape: false },
      });
      const est = new Map(r.estimates.map((e) => [e.name, e]));
      expect([...est.keys()].sort()).toEqual(['escapeRate[alpha-10mg]', 'mu[alpha-10mg]', 'mu[placebo]', 'sTauOff', 'tau[alpha-10mg]', 'tauClass', 'tauOff'].sort());
      // Positive parameters are fitted on the log scale: se is that of the log.
      const near = (name: string, value: number, log: boolean) => {
        const e = est.get(name)!;
        const gap = log ? Math.log(e.estimate / value) : e.estimate - value;
        expect(Math.abs(gap), `${name}: ${e.estimate} (se ${e.se}) vs ${value}`).toBeLessThanOrEqual(4 * e.se + 0.05);
        expect(e.se, name).toBeGreaterThan(0);
      };
      near('mu[alpha-10mg]', truth.mu, false);
      near('escapeRate[alpha-10mg]', truth.escape, true);
      near('tauOff', truth.tauOff, true);
      near('sTauOff', truth.sTauOff, true);
      // Noise-free published rates: the fit is close (deviance well below the data's size).
      expect(r.deviance).toBeLessThan(r.dataDf);
    } finally {
      await engine.close();
    }
  }, 600_000);
});
