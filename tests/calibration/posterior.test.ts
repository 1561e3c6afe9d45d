// The calibration's posterior sampler (SIR from a Laplace proposal): 95% intervals from its draws cover the
// true parameters of simulated data about 95% of the time. A closed-form binomial model of the same shape as
// the trial arms (response Phi(mu) h(t), h(t) = 1 - exp(-(t/tau)^2)) keeps it fast; the sampler is generic.
import { describe, expect, it } from 'vitest';
import { hessian } from '../../src/calibration/fit.js';
import { nelderMead } from '../../src/calibration/nelderMead.js';
import { samplingImportanceResampling, systematicResample } from '../../src/calibration/posterior.js';
import { phi } from '../../src/model/normal.js';
import { namedStream } from '../../src/rng/streams.js';
import { inverseWithRidge } from '../../src/stats/matrix.js';
import { interpolatedQuantile } from '../../src/stats/quantiles.js';

const MONTHS = [3, 6, 12];
const N = 300;
const TRUE = [0.3, Math.log(4)]; // mu, log tau

const rate = (v: number[], t: number) => phi(v[0]) * (1 - Math.exp(-((t / Math.exp(v[1])) ** 2)));

/** Binomial deviance of counts y (of N) at MONTHS. */
function deviance(v: number[], y: number[]): number {
  let d = 0;
  MONTHS.forEach((t, i) => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, rate(v, t)));
    if (y[i] > 0) d += y[i] * Math.log(y[i] / (N * p));
    if (y[i] < N) d += (N - y[i]) * Math.log((N - y[i]) / (N * (1 - p)));
  });
  return 2 * d;
}

describe('posterior draws by sampling-importance-resampling', () => {
  it('give 95% intervals that cover the true parameters about 95% of the time', async () => {
    const datasets = 200;
    const covered = [0, 0];
    let essShare = Infinity;
    for (let r = 0; r < datasets; r++) {
      const rng = namedStream(`coverage/${r}`);
      const y = MONTHS.map((t) => { let x = 0; for (let i = 0; i < N; i++) if (rng.uniform() < rate(TRUE, t)) x++; return x; });
      const f = async (v: number[]) => deviance(v, y);
      const fit = await nelderMead(f, [0, Math.log(5)], { step: [0.3, 0.3], maxEvals: 400, fTol: 1e-10, xTol: 1e-7 });
      const H = await hessian(f, fit.x, [1e-3, 1e-3]);
      const { inverse } = await inverseWithRidge(H.map((row) => row.map((v) => v / 2)));
      const sample = await samplingImportanceResampling({ names: ['mu', 'logTau'], deviance: f }, { estimate: fit.x, covariance: inverse },
        { prior: { mean: [0, 0], sd: [10, 10] }, proposals: 1000, draws: 1000, seed: r });
      essShare = Math.min(essShare, sample.ess / sample.proposals);
      for (let i = 0; i < 2; i++) {
        const column = sample.draws.map((d) => d[i]);
        if (interpolatedQuantile(column, 0.025) <= TRUE[i] && TRUE[i] <= interpolatedQuantile(column, 0.975)) covered[i]++;
      }
    }
    const tol = 4 * Math.sqrt(0.95 * 0.05 / datasets);
    for (const c of covered) expect(Math.abs(c / datasets - 0.95)).toBeLessThan(tol);
    // A regular two-parameter likelihood: the inflated t proposal keeps a large share of the proposals effective.
    expect(essShare).toBeGreaterThan(0.2);
  });

  it('gives finite weights when the information leaves a direction unbounded or the deviance is not finite somewhere', async () => {
    // A standard normal in 3 coordinates; the third's information is 0, so its variance is Infinity (inverse of 0),
    // and the deviance is NaN where x0 > 2.5 (as a simulation outside its domain). Before the fix the Infinity
    // made the proposal's factor Infinity / NaN: every density, and so every weight, NaN.
    const f = async (v: number[]) => (v[0] > 2.5 ? NaN : v[0] ** 2 + v[1] ** 2 + v[2] ** 2);
    const covariance = [[0.5, 0, 0], [0, 0.5, 0], [0, 0, Infinity]];
    const sample = await samplingImportanceResampling({ names: ['a', 'b', 'c'], deviance: f }, { estimate: [0, 0, 0], covariance },
      { prior: { mean: [0, 0, 0], sd: [10, 10, 10] }, proposals: 2000, draws: 2000, seed: 7 });
    expect(Number.isFinite(sample.ess)).toBe(true);
    expect(sample.ess).toBeGreaterThan(200);
    // No draw where the deviance is not finite; the third coordinate's spread comes from the target (sd 1).
    expect(sample.draws.every((d) => d[0] <= 2.5)).toBe(true);
    const c = sample.draws.map((d) => d[2]);
    const sd = Math.sqrt(c.reduce((a, v) => a + v * v, 0) / c.length);
    expect(Math.abs(sd - 1)).toBeLessThan(0.15);
  });

  it('resamples in proportion to the weights', () => {
    const p = [0.1, 0.6, 0, 0.3];
    const picks = systematicResample(p, 10_000, namedStream('resample'));
    const counts = p.map((_, i) => picks.filter((k) => k === i).length);
    // Systematic resampling is exact to within one draw per index.
    counts.forEach((c, i) => expect(Math.abs(c - 10_000 * p[i])).toBeLessThanOrEqual(1));
  });
});
