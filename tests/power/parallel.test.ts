// Parallel-group power by simulation against the normal-approximation formula; type I error of z and Fisher; determinism.
import { afterAll, describe, expect, it } from 'vitest';
import { fisherExactP, logFactorials, twoProportionPower, twoProportionZ } from '../../src/stats/tests.js';
import { criticalZ } from '../../src/stats/special.js';
import { Engine } from '../../src/engine/pool.js';
import { powerAt, runPowerAnalysis, trialDesign } from '../../src/app/power.js';
import { compileScenario } from '../../src/model/compile.js';
import { knownScenario, plan, responseOf, muFor } from './fixture.js';

const single = (id: string) => ({ id, sequence: [id], failAtMonths: 12, afterLastLine: 'stay' });
const s = knownScenario({ a: 0.5, b: 0.65, c: 0.8 }, [single('a'), single('b'), single('c'), { ...single('a'), id: 'a-again' }]);
const c = compileScenario(s);
const engine = new Engine({ workers: 1 });
afterAll(() => engine.close());

/** Binomial pmf table of n at p. */
function binom(n: number, p: number): Float64Array {
  const lf = logFactorials(n);
  return Float64Array.from({ length: n + 1 }, (_, x) => Math.exp(lf[n] - lf[x] - lf[n - x] + x * Math.log(p) + (n - x) * Math.log1p(-p)));
}

/** Exact rejection probability of a test of xA ~ Bin(nA, p), xB ~ Bin(nB, p). */
function exactSize(nA: number, nB: number, p: number, reject: (xA: number, xB: number) => boolean): number {
  const fa = binom(nA, p);
  const fb = binom(nB, p);
  let size = 0;
  for (let xA = 0; xA <= nA; xA++) for (let xB = 0; xB <= nB; xB++) if (reject(xA, xB)) size += fa[xA] * fb[xB];
  return size;
}

describe('parallel design', () => {
  it('fixture: response probabilities are the closed form (mu back to p)', () => {
    expect(responseOf(muFor(0.65))).toBeCloseTo(0.65, 12);
  });

  it('simulated power agrees with the two-proportion formula; arm means with the closed form', async () => {
    const trials = 1000;
    const p = plan(s, { arms: 'a,b', n: '200', trials });
    const point = await powerAt(engine, c, p, 200);
    const formula = twoProportionPower(0.5, 0.65, 100, 100, 0.05, 2);
    const se = Math.sqrt(formula * (1 - formula) / trials);
    // The formula itself is an approximation: allow 0.01 for it at 100 a side.
    expect(Math.abs(point.power - formula)).toBeLessThan(4 * se + 0.01);
    // Arm means over 1000 trials x 100 patients.
    for (const [m, truth] of [[point.means[0].mean, 0.5], [point.means[1].mean, 0.65]]) {
      expect(Math.abs(m - truth)).toBeLessThan(4 * Math.sqrt(truth * (1 - truth) / (trials * 100)));
    }
    expect(Math.abs(point.effect.mean - 0.15)).toBeLessThan(4 * point.effect.sd / Math.sqrt(trials));
    // The null run of the same trials (arm b replaced by arm a) rejects at about alpha.
    expect(Math.abs(point.typeIError - 0.05)).toBeLessThan(4 * Math.sqrt(0.05 * 0.95 / trials) + 0.005);
  });

  it('power rises with n and with the effect', async () => {
    const trials = 400;
    const small = await powerAt(engine, c, plan(s, { arms: 'a,b', trials }), 100);
    const large = await powerAt(engine, c, plan(s, { arms: 'a,b', trials }), 400);
    const bigger = await powerAt(engine, c, plan(s, { arms: 'a,c', trials }), 100);
    const se = (x: number) => Math.sqrt(x * (1 - x) / trials);
    expect(large.power - small.power).toBeGreaterThan(4 * Math.hypot(se(large.power), se(small.power)));
    expect(bigger.power - small.power).toBeGreaterThan(4 * Math.hypot(se(bigger.power), se(small.power)));
  });

  it('equal arms: the z test rejects at alpha, Fisher at its exact size (which is <= alpha)', async () => {
    const trials = 2000;
    const nA = 50;
    const z = await powerAt(engine, c, plan(s, { arms: 'a,a-again', trials }), 2 * nA);
    const fisher = await powerAt(engine, c, plan(s, { arms: 'a,a-again', trials, test: 'fisher' }), 2 * nA);
    const se = Math.sqrt(0.05 * 0.95 / trials);
    const crit = criticalZ(0.05, 2);
    const zSize = exactSize(nA, nA, 0.5, (xA, xB) => Math.abs(twoProportionZ(xA, nA, xB, nA)) > crit);
    const lf = logFactorials(2 * nA);
    const fisherSize = exactSize(nA, nA, 0.5, (xA, xB) => fisherExactP(xA, nA, xB, nA, 2, lf) <= 0.05);
    expect(Math.abs(zSize - 0.05)).toBeLessThan(0.01); // the z test's exact size at 50 a side
    expect(Math.abs(z.power - 0.05)).toBeLessThan(4 * se + Math.abs(zSize - 0.05));
    expect(Math.abs(z.power - zSize)).toBeLessThan(4 * Math.sqrt(zSize * (1 - zSize) / trials));
    expect(fisherSize).toBeLessThanOrEqual(0.05);
    expect(Math.abs(fisher.power - fisherSize)).toBeLessThan(4 * Math.sqrt(fisherSize * (1 - fisherSize) / trials));
    expect(fisher.power).toBeLessThan(0.05 + 4 * se);
    // Same policy under two ids: power is the type I error of the same trials.
    expect(z.typeIError).toBe(z.power);
  });

  it('other end points and tests under equal arms: point, nonresponse (Welch), Newcombe, one-sided z', async () => {
    const trials = 1000;
    const se = Math.sqrt(0.05 * 0.95 / trials);
    const run = (flags: Parameters<typeof plan>[1]) => powerAt(engine, c, plan(s, { arms: 'a,a-again', trials, ...flags }), 100);
    // With h = 1 from month 2 on and no adverse events, a responder stays one: point@12 = cumulative@12.
    const point = await run({ endpoint: 'point@12' });
    const cumulative = await run({});
    expect(point.power).toBe(cumulative.power);
    expect(point.effect).toEqual(cumulative.effect);
    // Welch's t on months on non-responding lines, and the one-sided z test: at alpha (asymptotic tests:
    // 0.01 allowed for their error at 50 a side); Newcombe's interval test at or below alpha.
    const welch = await run({ endpoint: 'nonresponse' });
    expect(Math.abs(welch.power - 0.05)).toBeLessThan(4 * se + 0.01);
    // 24 months (the horizon) without response, 0 for a responder (at month 1): mean 24 (1 - 0.5), SD 12 a patient.
    expect(Math.abs(welch.means[0].mean - 12)).toBeLessThan(4 * 12 / Math.sqrt(trials * 50));
    const oneSided = await run({ sides: 1 });
    expect(Math.abs(oneSided.power - 0.05)).toBeLessThan(4 * se + 0.01);
    const newcombe = await run({ test: 'newcombe' });
    expect(newcombe.power).toBeLessThan(0.05 + 4 * se);
  });

  it('arms see patients as drawPatient draws them; the same trials for any block grouping; ratio 2:1', async () => {
    const p = plan(s, { arms: 'a,b', trials: 30, ratio: '2:1' });
    const spec = trialDesign(p, 60, false);
    expect(spec.nA).toBe(40);
    const all = await engine.powerTrials(c, spec, 30);
    const { runPowerTrials } = await import('../../src/engine/powerTrials.js');
    const part = runPowerTrials(c, spec, { first: 10, count: 5 });
    expect(Array.from(part)).toEqual(Array.from(all.subarray(10 * 4, 15 * 4)));
  });

  it('two workers give the same bytes as one', async () => {
    const two = new Engine({ workers: 2 });
    try {
      const p = plan(s, { arms: 'a,b', trials: 60, n: '40,80' });
      const one = await runPowerAnalysis(engine, c, p);
      const par = await runPowerAnalysis(two, c, p);
      expect(JSON.stringify({ ...par, elapsedSeconds: 0 })).toBe(JSON.stringify({ ...one, elapsedSeconds: 0 }));
    } finally {
      await two.close();
    }
  });

  it('sample size: interpolated on the curve and confirmed by a run at that n', async () => {
    // 0.5 vs 0.8: the formula gives about 38 a side for 80% power.
    const p = plan(s, { arms: 'a,c', trials: 400, n: '40,120' });
    const r = await runPowerAnalysis(engine, c, p);
    expect(r.sampleSize).not.toBeNull();
    expect(r.sampleSize!).toBeGreaterThan(40);
    expect(r.sampleSize!).toBeLessThan(120);
    const run = r.sampleSizeSearch!.runs.find((x) => x.n === r.sampleSize);
    expect(run!.power).toBeGreaterThanOrEqual(0.8);
    const formulaN = [...Array(200).keys()].find((k) => k > 1 && twoProportionPower(0.5, 0.8, k, k, 0.05, 2) >= 0.8)! * 2;
    expect(Math.abs(r.sampleSize! - formulaN)).toBeLessThan(20);
    // No n reaches the target: null.
    const none = await runPowerAnalysis(engine, c, plan(s, { arms: 'a,a-again', trials: 50, n: '20,40' }));
    expect(none.sampleSize).toBeNull();
  });
});
