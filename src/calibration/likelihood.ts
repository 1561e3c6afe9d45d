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
