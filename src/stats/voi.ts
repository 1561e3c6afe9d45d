// Value of information from probabilistic sensitivity analysis draws: EVPI, and EVPPI by non-parametric
// regression of the incremental net benefits on the parameters of interest (Strong, Oakley and Brennan 2014).
import { localLinearFit } from './localRegression.js';

/**
 * Expected value of perfect information from per-draw net benefits
 * nb[j][d] (option j, draw d): E_theta[max_j NB_j] - max_j E_theta[NB_j],
 * both means over the draws. The two sums run over the draws in the same
 * order, so when one option is best in every draw the value is exactly 0.
 */
export function evpi(nb: readonly ArrayLike<number>[]): number {
  const draws = nb[0]?.length ?? 0;
  if (nb.length < 2 || draws === 0) return 0;
  const sums = new Float64Array(nb.length);
  let sumOfMax = 0;
  for (let d = 0; d < draws; d++) {
    let best = -Infinity;
    for (let j = 0; j < nb.length; j++) {
      const v = nb[j][d];
      sums[j] += v;
      if (v > best) best = v;
    }
    sumOfMax += best;
  }
  return Math.max(0, sumOfMax / draws - Math.max(...sums) / draws);
}

export interface PartialValue {
  /** EVPPI, in the units of the net benefit; clamped to [0, EVPI] (it lies there in theory). */
  value: number;
  /** How it was estimated. */
  method: string;
}

/**
 * Expected value of partial perfect information about the parameters whose
 * per-draw values are `predictors` (one array per parameter, aligned with
 * the draws). The incremental net benefits NB_j - NB_0 are regressed on them
 * (localLinearFit: LOESS-type local linear regression with the span chosen
 * by GCV, the role a GAM plays in Strong, Oakley and Brennan, Med Decis
 * Making 2014;34:311-26); with g_j the fitted values (g_0 = 0),
 * EVPPI = mean_d max_j g_j(d) - max_j mean_d g_j(d). Regression noise biases
 * it upwards a little, over-smoothing downwards (tests/stats/voi.test.ts
 * checks it against closed forms).
 */
export function evppi(nb: readonly ArrayLike<number>[], predictors: readonly ArrayLike<number>[]): PartialValue {
  const draws = nb[0]?.length ?? 0;
  const total = evpi(nb);
  if (nb.length < 2 || draws === 0 || total === 0) return { value: 0, method: total === 0 ? 'EVPI is 0' : 'one option' };
  const incremental = nb.slice(1).map((row) => Float64Array.from({ length: draws }, (_, d) => row[d] - nb[0][d]));
  const fit = localLinearFit(predictors, incremental);
  if (fit.predictors === 0) return { value: 0, method: 'the parameters do not vary over the draws' };
  const value = valueFromFitted(fit.fitted, draws);
  return {
    value: Math.min(total, Math.max(0, value)),
    method: `local linear regression on ${fit.predictors} parameter(s), span ${fit.spans.map((s) => s.toFixed(2)).join('/')} (GCV)`,
  };
}

/** mean_d max(0, g_1(d), ..., g_J(d)) - max(0, mean g_1, ..., mean g_J). */
function valueFromFitted(g: readonly Float64Array[], draws: number): number {
  const sums = new Float64Array(g.length);
  let sumOfMax = 0;
  for (let d = 0; d < draws; d++) {
    let best = 0;
    for (let j = 0; j < g.length; j++) {
      sums[j] += g[j][d];
      if (g[j][d] > best) best = g[j][d];
    }
    sumOfMax += best;
  }
  return sumOfMax / draws - Math.max(0, ...sums) / draws;
}
