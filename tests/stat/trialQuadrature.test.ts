// Trial mode (MODEL.md "Trial mode") against an independent numerical integration of MODEL.md's formulas:
// response at t  <=>  SALTnat(t) (1 - Phi(L) h(t)) <= threshold  and no adverse-event stop before t.
//
// Given salt0 = s (and omega), a = 1 - threshold / SALTnat(t), and response <=> Phi(L) h(W) >= a, with
// L = m + sigma Z (m: the covariate part). For fixed W put q = a / h(W): if q >= 1 nobody responds; otherwise
// P(Phi(L) >= q) = Phi((m - Phi^-1(q)) / sigma), closed form in Z. h falls as W rises and reaches a at
// W* = ln(t / (tau (-ln(1 - a))^(1/k))) / sTau, so the W integral runs over (-inf, W*]. Its integrand vanishes
// at W* like (1 - q) times slowly varying factors: a kink that Gauss-Hermite over the whole line converges on
// only slowly, so we use Gauss-Legendre panels graded geometrically towards W* (tail below W = -9: mass 1e-19).
// durYears is a clamped log-normal: two point masses at the clamps plus Gauss-Legendre over the normal part;
// minoxidil is two-point; salt0 is Gauss-Legendre within each uniform bin (split at 95 for [salt0 >= 95]);
// omega (worsening) is a point mass at 0 plus Gauss-Legendre over the exponential up to the SALT-100 cap,
// beyond which SALTnat(t) = 100. The covariate average of the Z closed form, a smooth function of Phi^-1(q),
// is tabulated once as a cubic Hermite interpolant (error below 1e-12). Phi and Phi^-1 are the test's own
// (tests/fixtures/reference.ts), never src/model/normal.ts. The quadrature error is bounded by the gap
// between two resolutions (every node count doubled); it comes out near 1e-10, far below the Monte Carlo SE.
// Imputations (MODEL.md "Trial mode, version 2"), with A ~ Exp(aeRate) independent of the rest and P0(t) the
// response without adverse events: nri P0(t) e^(-aeRate t); observed P0(t) among the e^(-aeRate t) still
// observed; locf e^(-aeRate t) P0(t) + int_0^t aeRate e^(-aeRate u) P0(u) du (the SALT of the stop at u).
import { describe, expect, it } from 'vitest';
import { planBlocks, runTrialBlock } from '../../src/engine/runBlock.js';
import { compileScenario } from '../../src/model/compile.js';
import {
  IMPUTATION_LOCF, IMPUTATION_OBSERVED, trialCountsLength, trialLayout, type TrialSpec,
} from '../../src/model/trial.js';
import {
  binomialSe, gaussLegendre, gradedTowardsUpper, integrate, refDensity, refPhi, refPhiInv,
} from '../fixtures/reference.js';
import { scenario } from '../fixtures/scenarios.js';

interface TrialModel {
  bins: { min: number; max: number; weight: number }[];
  dur: { median: number; sdlog: number; min: number; max: number };
  minoxidilShare: number;
  worseningShare: number;
  worseningMean: number;
  sigma: number; k: number; sTau: number;
  betaDur: number; refDurYears: number; betaMinoxidil: number; betaVerySevere: number;
  mu: number; tau: number; aeRate: number;
}

/** The canonical benchmark population and globals (MODEL.md), ritlecitinib's mu and tau. */
const CANONICAL: TrialModel = {
  bins: [{ min: 95, max: 100, weight: 0.5 }, { min: 50, max: 95, weight: 0.5 }],
  dur: { median: 3.5, sdlog: 0.8, min: 0.5, max: 20 },
  minoxidilShare: 0.3,
  worseningShare: 0,
  worseningMean: 1.5,
  sigma: 1, k: 2, sTau: 0.5, betaDur: -0.3, refDurYears: 3.5, betaMinoxidil: 0.25, betaVerySevere: -0.5,
  mu: 0.15, tau: 5.5, aeRate: 0,
};

/** The scenario of a model: the trial drug is catalog entry 1, beside another drug (so indexing matters). */
function scenarioOf(m: TrialModel, patients: number, seed: number) {
  return scenario({
    seed,
    patients,
    population: {
      salt0: m.bins, durYears: m.dur, minoxidilShare: m.minoxidilShare,
      worseningShare: m.worseningShare, worseningMean: m.worseningMean,
    },
    globals: {
      sigma: m.sigma, k: m.k, sTau: m.sTau, betaDur: m.betaDur, refDurYears: m.refDurYears,
      betaMinoxidil: m.betaMinoxidil, betaVerySevere: m.betaVerySevere, tauOff: 2,
    },
    catalog: [
      { id: 'other-1', mu: 0.9, tau: 2, aeRate: 0.5 },
      { id: 'trial-drug', mu: m.mu, tau: m.tau, aeRate: m.aeRate },
    ],
    correlation: { rhoClass: 0.5 },
    policies: [{ id: 'p', sequence: ['trial-drug'] }],
  });
}

/** Quadrature nodes over (ln durYears, minoxidil): the covariate part of L without the severity term. */
function covariateNodes(m: TrialModel, level: number): { m: Float64Array; w: Float64Array } {
  const ms: number[] = [];
  const ws: number[] = [];
  const push = (lnDur: number, weight: number) => {
    for (const [minox, pm] of [[0, 1 - m.minoxidilShare], [1, m.minoxidilShare]]) {
      if (pm === 0) continue;
      ms.push(m.mu + m.betaDur * (lnDur - Math.log(m.refDurYears)) + m.betaMinoxidil * minox);
      ws.push(weight * pm);
    }
  };
  const { median, sdlog, min, max } = m.dur;
  if (sdlog === 0) {
    push(Math.log(Math.min(max, Math.max(min, median))), 1);
  } else {
    const xlo = Math.log(min / median) / sdlog;
    const xhi = Math.log(max / median) / sdlog;
    push(Math.log(min), refPhi(xlo)); // P(dur < min): the lower clamp's point mass
    push(Math.log(max), refPhi(-xhi)); // P(dur > max)
    const { x, w } = gaussLegendre(8);
    const panels = 2 * level;
    const h = (xhi - xlo) / panels;
    for (let p = 0; p < panels; p++) {
      for (let i = 0; i < x.length; i++) {
        const xi = xlo + (p + 0.5 + 0.5 * x[i]) * h;
        push(Math.log(median) + sdlog * xi, 0.5 * h * w[i] * refDensity(xi));
      }
    }
  }
  return { m: Float64Array.from(ms), w: Float64Array.from(ws) };
}

/**
 * F(zq) = E_cov[Phi((m + shift - zq) / sigma)], the Z closed form averaged over the covariate nodes, as a
 * cubic Hermite interpolant (F and F' exact at the knots) on [-10, 10] with step `step`. F is a mixture of
 * normal CDFs, so its fourth derivative is at most 0.6 / sigma^4 and the interpolation error is below
 * step^4 / 384 * 0.6 / sigma^4 (3e-13 at step 0.02, sigma 1). Outside the table F is computed directly.
 */
function covariateCdf(m: TrialModel, cov: { m: Float64Array; w: Float64Array }, shift: number, step: number) {
  const direct = (zq: number) => {
    let s = 0;
    for (let j = 0; j < cov.m.length; j++) s += cov.w[j] * refPhi((cov.m[j] + shift - zq) / m.sigma);
    return s;
  };
  const slope = (zq: number) => {
    let s = 0;
    for (let j = 0; j < cov.m.length; j++) s -= (cov.w[j] * refDensity((cov.m[j] + shift - zq) / m.sigma)) / m.sigma;
    return s;
  };
  const lo = -10;
  const knots = Math.round(20 / step);
  const f = new Float64Array(knots + 1);
  const d = new Float64Array(knots + 1);
  for (let i = 0; i <= knots; i++) {
    f[i] = direct(lo + i * step);
    d[i] = slope(lo + i * step);
  }
  return (zq: number): number => {
    const u = (zq - lo) / step;
    const i = Math.floor(u);
    if (i < 0 || i >= knots) return direct(zq);
    const x = u - i;
    const x2 = x * x;
    const x3 = x2 * x;
    return (2 * x3 - 3 * x2 + 1) * f[i] + (x3 - 2 * x2 + x) * step * d[i]
      + (-2 * x3 + 3 * x2) * f[i + 1] + (x3 - x2) * step * d[i + 1];
  };
}

interface Cdfs { mild: (zq: number) => number; severe: (zq: number) => number }
const cdfCache = new WeakMap<TrialModel, Map<number, Cdfs>>();

/** The covariate-averaged CDFs of a model at a resolution level, built once. */
function cdfsFor(m: TrialModel, level: number): Cdfs {
  let byLevel = cdfCache.get(m);
  if (!byLevel) cdfCache.set(m, (byLevel = new Map()));
  let hit = byLevel.get(level);
  if (!hit) {
    const cov = covariateNodes(m, level);
    const step = 0.02 / level;
    hit = { mild: covariateCdf(m, cov, 0, step), severe: covariateCdf(m, cov, m.betaVerySevere, step) };
    byLevel.set(level, hit);
  }
  return hit;
}

/** P(response at t, no AE considered | SALTnat(t) = saltNat, severity flag), over dur, minoxidil, W, Z. */
function responseGivenSalt(m: TrialModel, saltNat: number, severe: boolean, t: number, threshold: number, level: number): number {
  const a = 1 - threshold / saltNat;
  if (a <= 0) return 1;
  const cdfs = cdfsFor(m, level);
  const F = severe ? cdfs.severe : cdfs.mild;
  const givenQ = (q: number): number => (q >= 1 ? 0 : F(refPhiInv(q)));
  const onset = (tau: number) => -Math.expm1(-((t / tau) ** m.k)); // h = 1 - exp(-(t / tau)^k)
  if (m.sTau === 0) return givenQ(a / onset(m.tau));
  const wStar = Math.log(t / (m.tau * (-Math.log1p(-a)) ** (1 / m.k))) / m.sTau;
  const lo = -9;
  if (wStar <= lo) return 0;
  const rule = wStar < 9
    ? gradedTowardsUpper(lo, wStar, 6 * level, 20 + 10 * level, 8)
    : gradedTowardsUpper(lo, 9, 6 * level, 0, 8);
  let sum = 0;
  for (let i = 0; i < rule.x.length; i++) {
    const w = rule.x[i];
    sum += rule.w[i] * refDensity(w) * givenQ(a / onset(m.tau * Math.exp(m.sTau * w)));
  }
  return sum;
}

/** P(response at t) among patients with salt0 in [lo, hi) (within the model's bins), by quadrature. */
function responseByQuadrature(m: TrialModel, t: number, threshold: number, lo: number, hi: number, level: number): number {
  let num = 0;
  let den = 0;
  for (const bin of m.bins) {
    // Split the bin at the band edges and at 95, where [salt0 >= 95] switches on.
    const cuts = [bin.min, bin.max, lo, hi, 95].filter((c) => c >= Math.max(bin.min, lo) && c <= Math.min(bin.max, hi));
    const edges = [...new Set(cuts)].sort((x, y) => x - y);
    const density = bin.weight / (bin.max - bin.min);
    for (let e = 0; e + 1 < edges.length; e++) {
      const [a, b] = [edges[e], edges[e + 1]];
      const severe = a >= 95;
      const bySalt = (s: number) => {
        let r = (1 - m.worseningShare) * responseGivenSalt(m, s, severe, t, threshold, level);
        if (m.worseningShare > 0) {
          // omega ~ Exponential(mean worseningMean); SALTnat(t) = min(100, s + omega t) caps at omegaCap.
          const mean = m.worseningMean;
          const omegaCap = (100 - s) / t;
          const below = integrate((om) => Math.exp(-om / mean) / mean
            * responseGivenSalt(m, s + om * t, severe, t, threshold, level), 0, omegaCap, 2 * level, 8);
          r += m.worseningShare * (below + Math.exp(-omegaCap / mean) * responseGivenSalt(m, 100, severe, t, threshold, level));
        }
        return r;
      };
      num += density * integrate(bySalt, a, b, Math.ceil((b - a) / 15) * level, 8);
      den += density * (b - a);
    }
  }
  return (num / den) * Math.exp(-m.aeRate * t);
}

/** Reference at two resolutions: the finer value, and the gap between them as the quadrature error bound. */
function reference(m: TrialModel, t: number, threshold: number, lo: number, hi: number) {
  const coarse = responseByQuadrature(m, t, threshold, lo, hi, 1);
  const fine = responseByQuadrature(m, t, threshold, lo, hi, 2);
  return { p: fine, quadError: Math.abs(fine - coarse) };
}

function simulateTrial(m: TrialModel, patients: number, seed: number, trial: TrialSpec): Float64Array {
  const c = compileScenario(scenarioOf(m, patients, seed));
  const counts = new Float64Array(trialCountsLength(trial));
  for (const block of planBlocks(patients)) {
    const out = runTrialBlock(c, trial, block);
    for (let i = 0; i < counts.length; i++) counts[i] += out[i];
  }
  return counts;
}

interface Check { label: string; sim: number; n: number; ref: number; quadError: number }

function expectAgreement(checks: Check[]) {
  for (const ch of checks) {
    const tolerance = 4 * binomialSe(ch.ref, ch.n) + ch.quadError;
    // The label names the failing case in the assertion message.
    expect({ label: ch.label, withinTolerance: Math.abs(ch.sim - ch.ref) < tolerance, sim: ch.sim, ref: ch.ref, tolerance })
      .toMatchObject({ label: ch.label, withinTolerance: true });
  }
}

describe('trial mode against quadrature of MODEL.md', () => {
  it('canonical population, no worsening, no AE: response by band at 3, 6, 9, 12, 24 months and weeks 24, 52; SALT <= 20 and <= 10', () => {
    const n = 400_000;
    // Week w = 7 w / (365.25 / 12) months (MODEL.md "Units").
    const months = [3, 6, 9, 12, 24, (7 * 24) / (365.25 / 12), (7 * 52) / (365.25 / 12)];
    const thresholds = [20, 10];
    const bands: [number, number][] = [[50, 95], [95, 100]];
    const trial: TrialSpec = {
      drug: 1,
      months: Float64Array.from(months),
      thresholds: Float64Array.from(thresholds),
      bandLo: Float64Array.from(bands.map((b) => b[0])),
      bandHi: Float64Array.from(bands.map((b) => b[1])),
    };
    const counts = simulateTrial(CANONICAL, n, 101, trial);
    const nb = bands.length;
    expect(counts[0] + counts[1]).toBe(n);
    const checks: Check[] = [];
    months.forEach((t, i) => thresholds.forEach((thr, j) => bands.forEach(([lo, hi], b) => {
      const ref = reference(CANONICAL, t, thr, lo, hi);
      checks.push({
        label: `t=${t.toFixed(3)} SALT<=${thr} band [${lo},${hi})`,
        sim: counts[nb + (i * thresholds.length + j) * nb + b] / counts[b],
        n: counts[b],
        ref: ref.p,
        quadError: ref.quadError,
      });
    })));
    // The quadrature itself has converged far below the Monte Carlo error.
    expect(Math.max(...checks.map((c) => c.quadError))).toBeLessThan(1e-6);
    // Sanity: the references span a useful range (not all near 0 or 1).
    expect(Math.max(...checks.map((c) => c.ref))).toBeGreaterThan(0.3);
    expectAgreement(checks);
  });

  it('adverse events (aeRate 0.03), k = 1.5, sTau 0.3: non-responder imputation multiplies by exp(-aeRate t)', () => {
    const m: TrialModel = { ...CANONICAL, k: 1.5, sTau: 0.3, mu: 0.4, tau: 4, aeRate: 0.03 };
    const n = 200_000;
    const months = [3, 6, 12, 24];
    const trial: TrialSpec = {
      drug: 1, months: Float64Array.from(months), thresholds: Float64Array.from([20]),
      bandLo: Float64Array.from([0]), bandHi: Float64Array.from([100]),
    };
    const counts = simulateTrial(m, n, 202, trial);
    expect(counts[0]).toBe(n);
    expectAgreement(months.map((t, i) => {
      const ref = reference(m, t, 20, 0, 100);
      return { label: `AE t=${t}`, sim: counts[1 + i] / n, n, ref: ref.p, quadError: ref.quadError };
    }));
  });

  it('natural worsening (worseningShare 0.3, mean 1.5 points a month, capped at SALT 100) at 6 and 12 months', () => {
    const m: TrialModel = { ...CANONICAL, worseningShare: 0.3, mu: 0.35, tau: 5 };
    const n = 200_000;
    const months = [6, 12];
    const trial: TrialSpec = {
      drug: 1, months: Float64Array.from(months), thresholds: Float64Array.from([20]),
      bandLo: Float64Array.from([0]), bandHi: Float64Array.from([100]),
    };
    const counts = simulateTrial(m, n, 303, trial);
    expectAgreement(months.map((t, i) => {
      const ref = reference(m, t, 20, 0, 100);
      return { label: `worsening t=${t}`, sim: counts[1 + i] / n, n, ref: ref.p, quadError: ref.quadError };
    }));
  });

  describe('imputations after an adverse-event stop (aeRate 0.05, k = 1.5, sTau 0.3)', () => {
    const m: TrialModel = { ...CANONICAL, k: 1.5, sTau: 0.3, mu: 0.4, tau: 4, aeRate: 0.05 };
    const m0: TrialModel = { ...m, aeRate: 0 }; // one object: its quadrature tables are cached
    const months = [3, 6, 12, 24];
    const n = 200_000;
    const spec = (imputation: number): TrialSpec => ({
      drug: 1, months: Float64Array.from(months), thresholds: Float64Array.from([20]),
      bandLo: Float64Array.from([0]), bandHi: Float64Array.from([100]), imputation,
    });

    it('observed: P0(t) among the patients still observed, and e^(-aeRate t) of them observed', () => {
      const t = spec(IMPUTATION_OBSERVED);
      const lay = trialLayout(t);
      const counts = simulateTrial(m, n, 404, t);
      expect(counts[0]).toBe(n);
      const checks: Check[] = months.map((mo, i) => {
        const ref = reference(m0, mo, 20, 0, 100);
        const observed = counts[lay.observed + i];
        return { label: `observed t=${mo}`, sim: counts[lay.responders + i] / observed, n: observed, ref: ref.p, quadError: ref.quadError };
      });
      checks.push(...months.map((mo, i) => ({
        label: `still observed t=${mo}`, sim: counts[lay.observed + i] / n, n, ref: Math.exp(-m.aeRate * mo), quadError: 0,
      })));
      expectAgreement(checks);
    });

    it('locf: e^(-aeRate t) P0(t) + the integral over the stop time of P0 at the stop', () => {
      const counts = simulateTrial(m, n, 505, spec(IMPUTATION_LOCF));
      const p0 = (u: number, level: number) => responseByQuadrature(m0, u, 20, 0, 100, level);
      const locf = (t: number, level: number) => Math.exp(-m.aeRate * t) * p0(t, level)
        + integrate((u) => m.aeRate * Math.exp(-m.aeRate * u) * p0(u, level), 0, t, 2 * level, 8);
      expectAgreement(months.map((mo, i) => {
        const [coarse, fine] = [locf(mo, 1), locf(mo, 2)];
        expect(Math.abs(fine - coarse)).toBeLessThan(1e-4); // converged far below the Monte Carlo SE (1e-3)
        return { label: `locf t=${mo}`, sim: counts[1 + i] / n, n, ref: fine, quadError: Math.abs(fine - coarse) };
      }));
      // LOCF credits the stopped patients' SALT, so it lies above non-responder imputation.
      expect(locf(24, 2)).toBeGreaterThan(p0(24, 2) * Math.exp(-m.aeRate * 24) + 0.02);
    });
  });
});
