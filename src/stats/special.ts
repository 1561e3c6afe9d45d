// Special functions and normal quantiles: the one home of lnGamma, the incomplete gamma and beta functions,
// Student's t and chi-square tails, and Phi^-1 (Phi itself stays with the model: model/normal.ts).
import { phi, Z95 } from '../model/normal.js';

export { phi, Z95 };

/** The 0.95 quantile of chi-square with 1 df, Z95^2 (SciPy chi2.ppf(0.95, 1) = 3.841458820694124): the rise of a 95% profile-likelihood interval. */
export const CHI2_1_95 = 3.841458820694124;

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

/** Upper tail of the chi-square distribution with df degrees of freedom, P(X >= x), to full relative accuracy in the tail. */
export function chiSquareUpperTail(x: number, df: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/** Regularised lower incomplete gamma P(a, x) = 1 - Q(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x), computed directly (not as 1 - P) where it is small. */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaFraction(a, x);
}

/** e^-x x^a / Gamma(a), the common factor of P and Q. */
const gammaPrefix = (a: number, x: number) => Math.exp(-x + a * Math.log(x) - lnGamma(a));

/**
 * P(a, x) by its series, for x < a + 1 (Numerical Recipes 3rd ed., 6.2),
 * relative accuracy about 1e-14.
 */
function gammaSeries(a: number, x: number): number {
  let sum = 1 / a;
  let term = sum;
  for (let n = 1; n < 1000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
  }
  return sum * gammaPrefix(a, x);
}

/** Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1, relative accuracy about 1e-14. */
function gammaFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return gammaPrefix(a, x) * h;
}
