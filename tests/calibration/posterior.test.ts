// The calibration's posterior samplers (SIR from a Laplace proposal; the regression-calibrated Laplace approximation
// the calibration uses): 95% intervals from their draws cover the true parameters of simulated data about 95% of the time. A closed-form binomial model of the same shape as
// the trial arms (response Phi(mu) h(t), h(t) = 1 - exp(-(t/tau)^2)) keeps it fast; the sampler is generic.
import { describe, expect, it } from 'vitest';
import { hessian } from '../../src/calibration/fit.js';
import { nelderMead } from '../../src/calibration/nelderMead.js';
import { regressionPosteriorSample, samplingImportanceResampling, systematicResample } from '../../src/calibration/posterior.js';
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

  it('by regression on a simulated (noisy) deviance, give intervals that cover about 95%', async () => {
    // The calibration's situation in miniature: 4 arms, each of its own drug (mu[a]) and one shared onset tau, 75 patients each
    // at 3, 6 and 12 months; the likelihood comes from 512 simulated patients per arm under common random numbers (fixed per
    // data set), so the deviance is rough between nearby points, and is tempered by 1 / (1 + n / M) for the simulation's own error
    // in the estimate (whose variance is about (1 + n / M) / I).
    const ARMS = 4;
    const n = 75;
    const M = 512;
    const datasets = 200;
    const truth = [-0.3, 0.2, 0.6, 1.2, Math.log(4)];
    const names = [...truth.keys()].map((i) => (i < ARMS ? `mu[${i}]` : 'logTau'));
    const covered = truth.map(() => 0);
    for (let r = 0; r < datasets; r++) {
      const rng = namedStream(`noisy-coverage/${r}`);
      const y = Array.from({ length: ARMS }, (_, a) => MONTHS.map((t) => {
        let x = 0;
        for (let i = 0; i < n; i++) if (rng.uniform() < rate([truth[a], truth[ARMS]], t)) x++;
        return x;
      }));
      // Simulated patients, by increasing z: responder if z < mu, onset time tau * w with P(tau w <= t) = 1 - exp(-(t/tau)^2).
      const z = Array.from({ length: ARMS }, () => Float64Array.from({ length: M }, () => rng.normal()).sort());
      const w = Array.from({ length: ARMS }, () => Float64Array.from({ length: M }, () => Math.sqrt(-Math.log(1 - rng.uniform()))));
      const f = async (v: number[]) => {
        let d = 0;
        const tau = Math.exp(v[ARMS]);
        for (let a = 0; a < ARMS; a++) {
          const counts = [0, 0, 0];
          for (let j = 0; j < M && z[a][j] < v[a]; j++) {
            const t = tau * w[a][j];
            if (t <= 12) { counts[2]++; if (t <= 6) { counts[1]++; if (t <= 3) counts[0]++; } }
          }
          counts.forEach((c, i) => {
            const p = Math.min(1 - 0.5 / M, Math.max(0.5 / M, c / M));
            const k = y[a][i];
            if (k > 0) d += 2 * k * Math.log(k / (n * p));
            if (k < n) d += 2 * (n - k) * Math.log((n - k) / (n * (1 - p)));
          });
        }
        return d;
      };
      const fit = await nelderMead(f, [...truth.slice(1).map(() => 0), Math.log(5)], { step: truth.map(() => 0.3), maxEvals: 300, fTol: 1e-6, xTol: 1e-5 });
      const H = await hessian(f, fit.x, truth.map(() => 0.15));
      const { inverse } = await inverseWithRidge(H.map((row) => row.map((v) => v / 2)));
      const sample = await regressionPosteriorSample({ names, deviance: f }, { estimate: fit.x, covariance: inverse },
        { prior: { mean: truth.map(() => 0), sd: truth.map(() => 10) }, proposals: 300, draws: 1000, seed: r, likelihoodWeight: 1 / (1 + n / M) });
      truth.forEach((v, i) => {
        const column = sample.draws.map((d) => d[i]);
        if (interpolatedQuantile(column, 0.025) <= v && v <= interpolatedQuantile(column, 0.975)) covered[i]++;
      });
    }
    const tol = 4 * Math.sqrt(0.95 * 0.05 / datasets);
    for (const c of covered) expect(Math.abs(c / datasets - 0.95)).toBeLessThan(tol);
  });

  it('by regression, recover a normal target through a rough deviance whose raw importance weights are degenerate', async () => {
    // Deviance x'x (target N(0, I)) plus a deterministic roughness of sd 4 deviance points (sines of period 0.17, far
    // shorter than the target's spread), the size measured between nearby points of the calibration's simulated deviance.
    const p = 10;
    const phase = Array.from({ length: p }, (_, i) => 2.1 * i);
    const f = async (v: number[]) => v.reduce((a, x, i) => a + x * x + 4 * Math.sqrt(2 / p) * Math.sin(37 * x + phase[i]), 0);
    const covariance = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (__, j) => (i === j ? 1 : 0)));
    const sample = await regressionPosteriorSample({ names: phase.map((_, i) => `x${i}`), deviance: f }, { estimate: phase.map(() => 0.1), covariance },
      { prior: { mean: phase.map(() => 0), sd: phase.map(() => 100) }, proposals: 2000, draws: 4000, seed: 11 });
    const r = sample.regression;
    expect(Math.abs(r.residualSd - 4)).toBeLessThan(0.5);
    expect(Math.abs(r.a - 1)).toBeLessThan(4 * r.aSe + 0.02);
    // Plain importance weights on the rough deviance keep few of the 2,000 design points effective.
    expect(r.rawEss).toBeLessThan(200);
    expect(sample.distinct).toBe(4000);
    // Mean 0 and sd 1 in every coordinate: the draws' own error (4,000 independent draws: 4 se of a mean 0.063, of an sd 0.045)
    // plus the regression's (its slope and curvature from 2,000 points of noise sd 4: about 0.02 and 0.01).
    for (let i = 0; i < p; i++) {
      const c = sample.draws.map((d) => d[i]);
      const mean = c.reduce((a, v) => a + v, 0) / c.length;
      const sd = Math.sqrt(c.reduce((a, v) => a + (v - mean) ** 2, 0) / c.length);
      expect(Math.abs(mean)).toBeLessThan(0.063 + 0.08);
      expect(Math.abs(sd - 1)).toBeLessThan(0.045 + 0.04);
    }
  });

  it('by regression, on an exact quadratic recover its curvature scale and give the normal it implies', async () => {
    // D = 7 + a (x - m)' S^-1 (x - m) with a = 0.6, fitted from the Laplace covariance S: the regression is exact, so the
    // posterior (likelihood weight w, flat priors) is N(m, S / (w a)) in closed form.
    const S = [[1, 0.6, 0], [0.6, 2, -0.3], [0, -0.3, 0.5]];
    const m = [0.4, -0.2, 1];
    const { inv } = await import('mathjs');
    const Si = inv(S) as number[][];
    const quad = (x: number[]) => x.reduce((acc, _, i) => acc + x.reduce((b, __, j) => b + (x[i] - m[i]) * Si[i][j] * (x[j] - m[j]), 0), 0);
    const f = async (x: number[]) => 7 + 0.6 * quad(x);
    const w = 0.8;
    const sample = await regressionPosteriorSample({ names: ['a', 'b', 'c'], deviance: f }, { estimate: [0, 0, 0.5], covariance: S },
      { prior: { mean: [0, 0, 0], sd: [1e6, 1e6, 1e6] }, proposals: 200, draws: 20_000, seed: 3, likelihoodWeight: w });
    expect(sample.regression.a).toBeCloseTo(0.6, 8);
    expect(sample.regression.outliers).toBe(0);
    // Mean within 4 se of m, covariance within 4 se of S / (w a) (20,000 draws).
    const n = sample.draws.length;
    const mean = m.map((_, i) => sample.draws.reduce((acc, d) => acc + d[i], 0) / n);
    m.forEach((mi, i) => expect(Math.abs(mean[i] - mi)).toBeLessThan(4 * Math.sqrt(S[i][i] / (w * 0.6) / n)));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const c = sample.draws.reduce((acc, d) => acc + (d[i] - mean[i]) * (d[j] - mean[j]), 0) / n;
        const target = S[i][j] / (w * 0.6);
        const se = Math.sqrt((S[i][i] * S[j][j] + S[i][j] ** 2) / (w * 0.6) ** 2 / n);
        expect(Math.abs(c - target)).toBeLessThan(4 * se);
      }
    }
  });

  it('resamples in proportion to the weights', () => {
    const p = [0.1, 0.6, 0, 0.3];
    const picks = systematicResample(p, 10_000, namedStream('resample'));
    const counts = p.map((_, i) => picks.filter((k) => k === i).length);
    // Systematic resampling is exact to within one draw per index.
    counts.forEach((c, i) => expect(Math.abs(c - 10_000 * p[i])).toBeLessThanOrEqual(1));
  });
});
