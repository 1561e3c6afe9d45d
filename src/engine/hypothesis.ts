// Two-sample tests for simulated trials (power analysis): z, Fisher, Newcombe, Welch; normal and t tails.
import { phi } from '../model/normal.js';

/**
 * Standard normal quantile Phi^-1(p), 0 < p < 1: bisection on `phi` (absolute
 * error below 1e-14) to the last bit. About 1 microsecond x 60; called once
 * per analysis for critical values, never per patient.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: expected 0 < p < 1, got ${p}`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = 0.5 * (lo + hi);
    if (phi(mid) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Critical value of a z statistic: Phi^-1(1 - alpha / sides). */
export function criticalZ(alpha: number, sides: 1 | 2): number {
  return normalQuantile(1 - alpha / sides);
}

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

/** Wilson score interval bounds of x successes of n at normal quantile z (n > 0). */
function wilsonBounds(x: number, n: number, z: number): [number, number] {
  const p = x / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / den;
  const half = (z / den) * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return [x === 0 ? 0 : centre - half, x === n ? 1 : centre + half];
}

/**
 * Newcombe's hybrid score interval (method 10 of Newcombe, Stat Med 1998) for
 * pB - pA at normal quantile z: from the Wilson intervals (lA, uA), (lB, uB),
 * [d - sqrt((pB - lB)^2 + (uA - pA)^2), d + sqrt((uB - pB)^2 + (pA - lA)^2)].
 */
export function newcombeInterval(xA: number, nA: number, xB: number, nB: number, z: number): [number, number] {
  const pA = xA / nA;
  const pB = xB / nB;
  const [lA, uA] = wilsonBounds(xA, nA, z);
  const [lB, uB] = wilsonBounds(xB, nB, z);
  const d = pB - pA;
  return [d - Math.sqrt((pB - lB) ** 2 + (uA - pA) ** 2), d + Math.sqrt((uB - pB) ** 2 + (pA - lA) ** 2)];
}

/**
 * Regularised incomplete beta I_x(a, b) by its continued fraction (modified
 * Lentz, as in Numerical Recipes 6.4), relative accuracy about 1e-14.
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d; if (Math.abs(d) < TINY) d = TINY; d = 1 / d;
    c = 1 + num / c; if (Math.abs(c) < TINY) c = TINY;
    f *= d * c;
    num = -((a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d; if (Math.abs(d) < TINY) d = TINY; d = 1 / d;
    c = 1 + num / c; if (Math.abs(c) < TINY) c = TINY;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lnFront) * f / a;
}

/**
 * ln Gamma(x), x > 0: shifted up to x >= 15 by Gamma(x + 1) = x Gamma(x), then
 * Stirling's series to the x^-11 term (the next term is below 1e-16 there).
 */
export function lnGamma(x: number): number {
  let shift = 0;
  let prod = 1;
  while (x < 15) { prod *= x; x += 1; shift++; }
  const r = 1 / x;
  const r2 = r * r;
  // Bernoulli terms B_2k / (2k (2k - 1) x^(2k - 1)), k = 1..6.
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360))))));
  const value = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
  return shift > 0 ? value - Math.log(prod) : value;
}

/** Upper tail P(T > t) of Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function studentTUpper(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
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
