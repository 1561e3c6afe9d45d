// Two-sample tests for simulated trials (power analysis): z, Fisher, Newcombe, Welch; normal and t tails.
import { wilson } from './intervals.js';
import { criticalZ, phi, studentTUpper } from './special.js';

/**
 * Pooled two-proportion z statistic (no continuity correction) for
 * pB - pA, arms of nA and nB patients with xA and xB successes:
 * z = (pB - pA) / sqrt(p (1 - p) (1/nA + 1/nB)), p = (xA + xB) / (nA + nB).
 * 0 when every patient or none succeeded (no evidence either way).
 */
export function twoProportionZ(xA: number, nA: number, xB: number, nB: number): number {
  const p = (xA + xB) / (nA + nB);
  const v = p * (1 - p) * (1 / nA + 1 / nB);
  return v > 0 ? (xB / nB - xA / nA) / Math.sqrt(v) : 0;
}

/** ln(k!) for k = 0..n (exact sums of logs: relative error about 1e-15 n). */
export function logFactorials(n: number): Float64Array {
  const t = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
}

/**
 * Fisher's exact test of a 2x2 table (arm A: xA of nA, arm B: xB of nB).
 * Conditional on the margins, xB is hypergeometric. Two-sided: the sum of the
 * probabilities of the tables no more likely than the observed one (R's and
 * SciPy's rule, with the same relative tolerance 1e-7 for ties). One-sided:
 * P(XB >= xB), the alternative pB > pA. `lf` is logFactorials(nA + nB) or longer.
 */
export function fisherExactP(xA: number, nA: number, xB: number, nB: number, sides: 1 | 2, lf: Float64Array): number {
  const n = nA + nB;
  const k = xA + xB; // successes in all
  const lo = Math.max(0, k - nA);
  const hi = Math.min(k, nB);
  // ln P(XB = x) = ln C(nB, x) + ln C(nA, k - x) - ln C(n, k)
  const base = lf[nB] + lf[nA] + lf[k] + lf[n - k] - lf[n];
  const logP = (x: number) => base - lf[x] - lf[nB - x] - lf[k - x] - lf[nA - k + x];
  let p = 0;
  if (sides === 1) {
    for (let x = xB; x <= hi; x++) p += Math.exp(logP(x));
  } else {
    const observed = logP(xB) + Math.log1p(1e-7); // tables within that ratio of it count as ties
    for (let x = lo; x <= hi; x++) {
      const l = logP(x);
      if (l <= observed) p += Math.exp(l);
    }
  }
  return p > 1 ? 1 : p;
}

/**
 * Newcombe's hybrid score interval (method 10 of Newcombe, Stat Med 1998) for
 * pB - pA at normal quantile z: from the Wilson intervals (lA, uA), (lB, uB),
 * [d - sqrt((pB - lB)^2 + (uA - pA)^2), d + sqrt((uB - pB)^2 + (pA - lA)^2)].
 */
export function newcombeInterval(xA: number, nA: number, xB: number, nB: number, z: number): [number, number] {
  const pA = xA / nA;
  const pB = xB / nB;
  const { lo: lA, hi: uA } = wilson(xA, nA, z);
  const { lo: lB, hi: uB } = wilson(xB, nB, z);
  const d = pB - pA;
  return [d - Math.sqrt((pB - lB) ** 2 + (uA - pA) ** 2), d + Math.sqrt((uB - pB) ** 2 + (pA - lA) ** 2)];
}

export interface WelchResult { t: number; df: number; p: number }

/**
 * Welch's two-sample t test of mean(B) - mean(A) from sums and sums of squares
 * (two-sided p, or one-sided for the alternative mean(B) > mean(A)).
 * Welch-Satterthwaite df. p = 1 when both arms have zero variance and equal means.
 */
export function welchTest(
  sumA: number, sqA: number, nA: number, sumB: number, sqB: number, nB: number, sides: 1 | 2,
): WelchResult {
  const mA = sumA / nA;
  const mB = sumB / nB;
  const vA = Math.max(0, (sqA - nA * mA * mA) / (nA - 1)) / nA;
  const vB = Math.max(0, (sqB - nB * mB * mB) / (nB - 1)) / nB;
  const v = vA + vB;
  if (!(v > 0)) {
    const diff = mB - mA;
    const p = diff === 0 ? 1 : sides === 2 || diff > 0 ? 0 : 1;
    return { t: diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity, df: nA + nB - 2, p };
  }
  const t = (mB - mA) / Math.sqrt(v);
  const df = (v * v) / ((vA * vA) / (nA - 1) + (vB * vB) / (nB - 1));
  const p = sides === 2 ? 2 * studentTUpper(Math.abs(t), df) : studentTUpper(t, df);
  return { t, df, p: p > 1 ? 1 : p };
}

/**
 * Normal-approximation power of the two-sided (or one-sided) pooled z test
 * for two proportions pA, pB with arms of nA and nB patients (Fleiss, Levin
 * and Paik 2003, eq. 4.14 without continuity correction):
 * power = Phi((|pB - pA| - z sqrt(pbar qbar (1/nA + 1/nB))) / sqrt(pA qA / nA + pB qB / nB)),
 * pbar = (nA pA + nB pB) / (nA + nB); for two sides the far tail is added too.
 */
export function twoProportionPower(pA: number, pB: number, nA: number, nB: number, alpha: number, sides: 1 | 2): number {
  const z = criticalZ(alpha, sides);
  const pbar = (nA * pA + nB * pB) / (nA + nB);
  const s0 = Math.sqrt(pbar * (1 - pbar) * (1 / nA + 1 / nB));
  const s1 = Math.sqrt(pA * (1 - pA) / nA + pB * (1 - pB) / nB);
  const d = pB - pA;
  if (sides === 1) return phi((d - z * s0) / s1);
  return phi((d - z * s0) / s1) + phi((-d - z * s0) / s1);
}
