// Assessment of a parameter vector: estimates with intervals, published points beside simulated ones (with
// intervals over parameter draws), residuals, deviance and response curves. Used by calibrate and by validate.
import { streamFor } from '../rng/streams.js';
import { wilson } from '../stats/intervals.js';
import { choleskySemidefinite } from '../stats/matrix.js';
import { interpolatedQuantile } from '../stats/quantiles.js';
import { chiSquareUpperTail } from '../stats/special.js';
import { armRate } from './arm.js';
import { monthlyPrices, type CalibrationPoint } from './data.js';
import { degreesOfFreedom, pointDeviance, residualSe } from './likelihood.js';
import { decode, fromNatural } from './parameters.js';
import type { CalibrationOptions, CalibrationProblem } from './problem.js';
import { parameterEstimates } from './estimates.js';
import type { ProfiledInterval } from './profile.js';
import { CURVE_STEP_WEEKS, CURVE_WEEKS, type CalibrationResult, type PointFit, type ResponseCurve } from './result.js';

export type { CalibrationResult, ParameterEstimate, PointFit, ResponseCurve } from './result.js';

/**
 * Everything reported about a parameter vector x with covariance S: estimates
 * with intervals, each point beside its simulated value (and the 95% range
 * over parameter draws from N(x, S)), residuals, deviance, response curves.
 * `jaksim validate` calls it on a stored catalog without refitting.
 */
export async function assessFit(
  problem: CalibrationProblem, x: number[], covariance: number[][], hessianRegularised: boolean,
  starts: CalibrationResult['starts'], options: CalibrationOptions, intervals?: Map<string, ProfiledInterval>,
): Promise<CalibrationResult> {
  const { params, points, data } = problem;
  const internal = fromNatural(params, x, options.globals);
  const best = { x, f: await problem.deviance(internal) };
  const d = decode(params, internal, options.globals, options.tauClass);

  const estimates = await parameterEstimates(problem, best, covariance, internal, d.tauClass, options, intervals);

  // Prediction intervals: simulated rates over parameter draws from N(x, covariance).
  const draws = options.draws ?? 20;
  const drawn: { sim20: number; sim10: number }[][] = [];
  const factor = choleskySemidefinite(covariance);
  const drawRng = streamFor(options.seed, 2_000_000);
  for (let k = 0; k < draws; k++) {
    const e = params.names.map(() => drawRng.normal());
    const xk = best.x.map((v, i) => v + factor[i].reduce((acc, c, j) => acc + c * e[j], 0));
    drawn.push(problem.simulatedRates(await problem.simulate(fromNatural(params, xk, options.globals))));
  }
  const fitted = problem.simulatedRates(await problem.simulate(internal));
  const curves = await responseCurves(problem, internal);
  const pointFits = points.map((p, i) => pointFit(p, fitted[i], drawn.map((dr) => dr[i])));
  const dataDf = points.reduce((a, p) => a + degreesOfFreedom(p), 0);
  const df = dataDf - params.names.length;
  const prices = monthlyPrices(data);
  const catalog = params.drugs.map((id) => {
    const drug = problem.drugOf(d, id);
    const price = prices.get(id);
    return price === undefined ? drug : { ...drug, monthlyPrice: price };
  });
  return {
    dataVersion: data.version,
    seed: options.seed,
    patients: options.patients,
    params,
    x: best.x,
    deviance: best.f,
    dataDf,
    df,
    pValue: df > 0 ? chiSquareUpperTail(best.f, df) : NaN,
    starts,
    evals: problem.evals,
    covariance,
    hessianRegularised,
    estimates,
    catalog,
    globals: d.globals,
    points: pointFits,
    curves,
    tauClass: d.tauClass,
    populations: problem.populations,
  };
}

/** Simulated SALT <= 20 (with its Monte Carlo Wilson interval) and <= 10 of every arm, weeks 0 to CURVE_WEEKS. */
async function responseCurves(problem: CalibrationProblem, internal: number[]): Promise<ResponseCurve[]> {
  const grid = Array.from({ length: CURVE_WEEKS / CURVE_STEP_WEEKS + 1 }, (_, i) => i * CURVE_STEP_WEEKS);
  const curveArms = await problem.simulate(internal, undefined, () => grid);
  return problem.combos.map((c, i) => ({
    population: c.population,
    drug: c.drug,
    weeks: grid.map((week, w) => {
      const arm = curveArms[i]!;
      const r20 = armRate(arm, w, 0, -1);
      const r10 = armRate(arm, w, 1, -1);
      const i20 = wilson(r20.x, r20.n);
      return { week, salt20: i20.rate, lo: i20.lo, hi: i20.hi, salt10: r10.x / r10.n };
    }),
  }));
}

/** A published point beside its simulated rates at the estimate and their 2.5-97.5% range over the parameter draws. */
function pointFit(p: CalibrationPoint, r: { sim20: number; sim10: number }, drawn: { sim20: number; sim10: number }[]): PointFit {
  const pub = wilson(p.salt20 * p.nEff, p.nEff);
  const range = (values: number[], at: number) => (values.length ? [interpolatedQuantile(values, 0.025), interpolatedQuantile(values, 0.975)] : [at, at]);
  const [sim20Lo, sim20Hi] = range(drawn.map((d) => d.sim20), r.sim20);
  const [sim10Lo, sim10Hi] = range(drawn.map((d) => d.sim10), r.sim10);
  return {
    ...p,
    sim20: r.sim20,
    sim10: r.sim10,
    sim20Lo, sim20Hi, sim10Lo, sim10Hi,
    pub20Lo: pub.lo,
    pub20Hi: pub.hi,
    residual20: residualSe(p.salt20, r.sim20, p.nEff),
    residual10: p.salt10 === undefined ? undefined : residualSe(p.salt10, r.sim10, p.nEff),
    withinPublished: r.sim20 >= pub.lo && r.sim20 <= pub.hi,
    deviance: pointDeviance(p, r.sim20, r.sim10),
  };
}
