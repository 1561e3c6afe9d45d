// SMART: IPW estimates of embedded regimes against closed forms, power against the sandwich variance, type I error.
import { afterAll, describe, expect, it } from 'vitest';
import { criticalZ } from '../../src/stats/special.js';
import { Engine } from '../../src/engine/pool.js';
import { powerAt, trialDesign } from '../../src/app/power.js';
import { powerStride } from '../../src/engine/powerTrials.js';
import { compileScenario } from '../../src/model/compile.js';
import { phi } from '../../src/model/normal.js';
import { knownDoc, knownScenario, plan } from './fixture.js';
import { scenario } from '../fixtures/scenarios.js';
import { simulateScenario } from '../../src/app/run.js';

// First drug a responds with probability 0.3 (by month 1 or 2, so before the decision at 6); non-responders
// switch at month 6 to b (0.5) or c (0.3), or stay on a (no later response: G_a < 0.75 for good).
const PA = 0.3;
const Q = { 'switch-b': 0.5, 'switch-c': 0.3, extend: 0 };
const s = knownScenario({ a: PA, b: 0.5, c: 0.3 }, [
  { id: 'switch-b', sequence: ['a', 'b'], failAtMonths: 6, afterLastLine: 'stay' },
  { id: 'switch-c', sequence: ['a', 'c'], failAtMonths: 6, afterLastLine: 'stay' },
  { id: 'extend', sequence: ['a'], failAtMonths: 12, afterLastLine: 'stay' },
  { id: 'switch-b-again', sequence: ['a', 'b'], failAtMonths: 6, afterLastLine: 'stay' },
  { id: 'other-first', sequence: ['b', 'a'], failAtMonths: 6 },
  { id: 'early-worse', sequence: ['a', 'b'], failAtMonths: 6, worseningFromMonths: 2, worseningPoints: 5 },
]);
const c = compileScenario(s);
const engine = new Engine({ workers: 1 });
afterAll(() => engine.close());
const truth = (id: keyof typeof Q) => PA + (1 - PA) * Q[id];

describe('SMART design', () => {
  it('the embedded regimes\' IPW estimates are unbiased for the closed form', async () => {
    const trials = 400;
    const n = 150;
    const p = plan(s, { design: 'smart', options: 'switch-b,switch-c,extend', trials });
    expect(p.decisionMonth).toBe(6);
    const spec = trialDesign(p, n, false);
    const out = await engine.powerTrials(c, spec, trials);
    const stride = powerStride(spec);
    (['switch-b', 'switch-c', 'extend'] as const).forEach((id, j) => {
      const xs = Array.from({ length: trials }, (_, t) => out[t * stride + 2 + j]);
      const mean = xs.reduce((a, b) => a + b, 0) / trials;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials - 1));
      // 4 MC SE, plus the ratio estimator's O(1/n) bias (well under 0.005 here).
      expect(Math.abs(mean - truth(id))).toBeLessThan(4 * sd / Math.sqrt(trials) + 0.005);
    });
  });

  it('power to compare two regimes agrees with the normal approximation from the sandwich variance', async () => {
    const trials = 500;
    const n = 300;
    const k = 3;
    const p = plan(s, { design: 'smart', options: 'switch-b,switch-c,extend', compare: 'switch-c,switch-b', trials });
    const point = await powerAt(engine, c, p, n);
    // n Var = E[u^2]: responders (prob PA, y = 1 under both) give (mu_c - mu_b)^2; a non-responder is on each
    // option with prob 1/k, weight k: k^2 (y - mu)^2, y ~ Bernoulli(q).
    const mb = truth('switch-b');
    const mc = truth('switch-c');
    const nonResp = (q: number, mu: number) => q * (1 - q) + (q - mu) ** 2;
    const eu2 = PA * (mb - mc) ** 2 + (1 - PA) * k * (nonResp(Q['switch-b'], mb) + nonResp(Q['switch-c'], mc));
    const se = Math.sqrt(eu2 / n);
    const z = criticalZ(0.05, 2);
    const formula = phi((mb - mc) / se - z) + phi(-(mb - mc) / se - z);
    const mcse = Math.sqrt(formula * (1 - formula) / trials);
    expect(Math.abs(point.power - formula)).toBeLessThan(4 * mcse + 0.02);
    expect(Math.abs(point.effect.mean - (mb - mc))).toBeLessThan(4 * point.effect.sd / Math.sqrt(trials) + 0.005);
  });

  it('identical options: the rejection rate is alpha within Monte Carlo error', async () => {
    const trials = 1000;
    const p = plan(s, { design: 'smart', options: 'switch-b,switch-b-again', trials });
    const point = await powerAt(engine, c, p, 200);
    expect(Math.abs(point.power - 0.05)).toBeLessThan(4 * Math.sqrt(0.05 * 0.95 / trials) + 0.005);
    expect(point.typeIError).toBe(point.power);
  });

  it('with adverse-event stops before the decision, each regime still estimates its policy (cumulative@12)', async () => {
    // Drug a stops for an adverse event at 0.1 a month (about 45% by month 6); line 2 then starts before
    // the decision. Truth: each policy followed on every patient of a large sample (the engine's own run).
    const doc = knownDoc({ a: PA, b: 0.5, c: 0.3 }, [
      { id: 'switch-b', sequence: ['a', 'b'], failAtMonths: 6, afterLastLine: 'stay' },
      { id: 'switch-c', sequence: ['a', 'c'], failAtMonths: 6, afterLastLine: 'stay' },
    ]);
    (doc.catalog as { aeRate: number }[])[0].aeRate = 0.1;
    const sAe = scenario({ ...doc, patients: 100_000 });
    const cAe = compileScenario(sAe);
    const run = await simulateScenario(sAe, engine);
    const trials = 400;
    const p = plan(sAe, { design: 'smart', options: 'switch-b,switch-c', trials });
    const spec = trialDesign(p, 150, false);
    const out = await engine.powerTrials(cAe, spec, trials);
    const stride = powerStride(spec);
    ['switch-b', 'switch-c'].forEach((id, j) => {
      const truthJ = run.policies.find((x) => x.id === id)!.cumulative[11].rate;
      const xs = Array.from({ length: trials }, (_, t) => out[t * stride + 2 + j]);
      const mean = xs.reduce((a, b) => a + b, 0) / trials;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials - 1));
      const truthSe = Math.sqrt(truthJ * (1 - truthJ) / 100_000);
      expect(Math.abs(mean - truthJ)).toBeLessThan(4 * Math.hypot(sd / Math.sqrt(trials), truthSe) + 0.005);
    });
  });

  it('options must share the first drug and not switch before the decision month', () => {
    expect(() => plan(s, { design: 'smart', options: 'switch-b,other-first' })).toThrow(/same drug/);
    expect(() => plan(s, { design: 'smart', options: 'switch-b,early-worse' })).toThrow(/worsening/);
    expect(() => plan(s, { design: 'smart', options: 'switch-b,extend', decisionMonth: 9 })).toThrow(/before the decision month/);
    expect(() => plan(s, { design: 'smart', options: 'switch-b,extend', compare: 'switch-b,nope' })).toThrow(/not one of the options/);
    expect(() => plan(s, { design: 'smart', options: 'switch-b,extend', test: 'fisher' })).toThrow(/sandwich/);
  });
});
