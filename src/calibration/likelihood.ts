// Binomial (or SALT <= 10 / 10-20 / > 20 multinomial) deviance of published rates against simulated ones.
import type { CalibrationPoint } from './data.js';

/** Simulated probabilities below this (or above 1 - this) are moved to it: log(0) guard. */
export const MIN_PROBABILITY = 1e-5;

const clampP = (p: number) => Math.min(1 - MIN_PROBABILITY, Math.max(MIN_PROBABILITY, p));

/** Published category shares of a point: [> 20, (10, 20], <= 10] or [> 20, <= 20]. */
export function observedShares(pt: { salt20: number; salt10?: number }): number[] {
  return pt.salt10 === undefined ? [1 - pt.salt20, pt.salt20] : [1 - pt.salt20, pt.salt20 - pt.salt10, pt.salt10];
}

/** Independent data proportions of a point: 1 (SALT <= 20 only) or 2 (with SALT <= 10). */
export function degreesOfFreedom(pt: { salt10?: number }): number {
  return pt.salt10 === undefined ? 1 : 2;
}

/**
 * Deviance of one point: 2 n_eff sum_c o_c ln(o_c / s_c) over the response
 * categories, o published and s simulated shares (0 ln 0 = 0). Where SALT <= 10
 * is published too, the categories are <= 10, 10-20 and > 20 (one multinomial:
 * the two rates come from the same patients); otherwise <= 20 and > 20.
 * Minus half the deviance is the log-likelihood up to a constant.
 */
export function pointDeviance(pt: CalibrationPoint, sim20: number, sim10: number): number {
  const o = observedShares(pt);
  const s = pt.salt10 === undefined ? [1 - sim20, sim20] : [1 - sim20, sim20 - sim10, sim10];
  let d = 0;
  for (let c = 0; c < o.length; c++) {
    if (o[c] > 0) d += o[c] * Math.log(o[c] / clampP(s[c]));
  }
  return 2 * pt.nEff * d;
}

/** Residual of a published rate in binomial standard errors at the simulated rate. */
export function residualSe(observed: number, simulated: number, nEff: number): number {
  const p = clampP(simulated);
  return (observed - p) / Math.sqrt((p * (1 - p)) / nEff);
}

/** Upper tail of the chi-square distribution with df degrees of freedom, P(X >= x). */
export function chiSquareUpperTail(x: number, df: number): number {
  if (x <= 0) return 1;
  return 1 - regularizedGammaP(df / 2, x / 2);
}

/**
 * Regularised lower incomplete gamma P(a, x): series for x < a + 1, Lentz
 * continued fraction otherwise (Numerical Recipes 3rd ed., 6.2), relative
 * accuracy about 1e-14.
 */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return sum * Math.exp(lnPrefix);
  }
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
  return 1 - Math.exp(lnPrefix) * h;
}

/** ln Gamma(x), x > 0: Lanczos approximation (g = 7, 9 terms), relative error below 1e-14. */
export function logGamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = g[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
