// Assessment of a parameter vector: estimates with intervals, published points beside simulated ones (with
// intervals over parameter draws), residuals, deviance and response curves. Used by calibrate and by validate.
import { streamFor } from '../rng/streams.js';
import { wilson } from '../stats/intervals.js';
import { choleskySemidefinite } from '../stats/matrix.js';
import { interpolatedQuantile } from '../stats/quantiles.js';
import { chiSquareUpperTail } from '../stats/special.js';
import { armRate } from './arm.js';
import { mapConcurrent } from './concurrent.js';
import { monthlyPrices, type CalibrationPoint } from './data.js';
import { degreesOfFreedom, pointDeviance, residualSe } from './likelihood.js';
import { decode, fromNatural, penalty } from './parameters.js';
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
  const factor = choleskySemidefinite(covariance);
  const drawRng = streamFor(options.seed, 2_000_000);
  const drawPoints = Array.from({ length: draws }, () => {
    const e = params.names.map(() => drawRng.normal());
    return best.x.map((v, i) => v + factor[i].reduce((acc, c, j) => acc + c * e[j], 0));
  });
  const drawn = await mapConcurrent(drawPoints, async (xk) => problem.simulatedRates(await problem.simulate(fromNatural(params, xk, options.globals))));
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
    priorPenalty: penalty(params, internal, options.globals, options.tauClass),
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
    unused: problem.unused,
  };
}

/** Curve imputations: the trials' own (nri), and the long-term reports' (locf, observed). */
export const CURVE_IMPUTATIONS = ['nri', 'locf', 'observed'] as const;

/**
 * Simulated SALT <= 20 (with its Monte Carlo Wilson interval) and <= 10 of every plain arm (no subgroup,
 * no design), weeks 0 to CURVE_WEEKS, under each imputation; weeks after the drug's last published
 * point (of any kind) are marked extrapolated.
 */
async function responseCurves(problem: CalibrationProblem, internal: number[]): Promise<ResponseCurve[]> {
  const grid = Array.from({ length: CURVE_WEEKS / CURVE_STEP_WEEKS + 1 }, (_, i) => i * CURVE_STEP_WEEKS);
  const lastWeek = new Map<string, number>();
  for (const p of problem.points) for (const d of p.drugs) lastWeek.set(d, Math.max(lastWeek.get(d) ?? 0, p.week));
  const curves: ResponseCurve[] = [];
  for (const imputation of CURVE_IMPUTATIONS) {
    const curveArms = await problem.simulate(internal, undefined, () => grid, imputation);
    problem.combos.forEach((c, i) => {
      if (c.design || c.durationYears) return;
      const arm = curveArms[i]!;
      const last = lastWeek.get(c.drug) ?? 0;
      curves.push({
        population: c.population,
        drug: c.drug,
        imputation,
        lastPublishedWeek: last,
        weeks: grid.map((week, w) => {
          const r20 = armRate(arm, w, 0, -1);
          const r10 = armRate(arm, w, 1, -1);
          const i20 = wilson(r20.x, r20.n);
          return { week, salt20: i20.rate, lo: i20.lo, hi: i20.hi, salt10: r10.x / r10.n, extrapolated: week > last };
        }),
      });
    });
  }
  return curves;
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
