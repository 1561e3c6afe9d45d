// Assessment of a parameter vector: estimates with intervals, published points beside simulated ones (with
// intervals over parameter draws), residuals, deviance and response curves. Used by calibrate and by validate.
import type { Drug, Globals, Population } from '../model/scenario.js';
import { streamFor } from '../rng/streams.js';
import { wilson } from '../stats/intervals.js';
import { choleskySemidefinite } from '../stats/matrix.js';
import { interpolatedQuantile } from '../stats/quantiles.js';
import { chiSquareUpperTail, Z95 } from '../stats/special.js';
import { armRate } from './arm.js';
import { monthlyPrices, type CalibrationPoint } from './data.js';
import { degreesOfFreedom, pointDeviance, residualSe } from './likelihood.js';
import type { Minimum } from './nelderMead.js';
import { decode, fromNatural, sigmaIndex, type Parameterisation } from './parameters.js';
import type { CalibrationOptions, CalibrationProblem } from './problem.js';
import { profileBetaVerySevere, type ProfiledInterval } from './profile.js';

export interface PointFit extends CalibrationPoint {
  sim20: number;
  sim10: number;
  /** 95% interval of the simulated rate over parameter uncertainty. */
  sim20Lo: number;
  sim20Hi: number;
  sim10Lo: number;
  sim10Hi: number;
  /** Published 95% Wilson interval (on nEff). */
  pub20Lo: number;
  pub20Hi: number;
  residual20: number;
  residual10?: number;
  withinPublished: boolean;
  deviance: number;
}

export interface ParameterEstimate {
  name: string;
  estimate: number;
  /** 95% interval; null where the profile reaches a search bound without rising by 3.84 (not bounded by the data). */
  lo: number | null;
  hi: number | null;
  /** Standard error on the fitted scale (mu, betaVerySevere: linear; tau: log). */
  se: number;
  kind: 'fitted' | 'tied' | 'fixed';
  note?: string;
}

export interface CalibrationResult {
  dataVersion: string;
  seed: number;
  patients: number;
  params: Parameterisation;
  x: number[];
  deviance: number;
  dataDf: number;
  df: number;
  pValue: number;
  starts: (Minimum & { start: number[] })[];
  evals: number;
  /** Natural vector (mu, log tau, betaVerySevere; names in params.names) and its covariance, from the observed information. */
  covariance: number[][];
  hessianRegularised: boolean;
  estimates: ParameterEstimate[];
  catalog: Drug[];
  globals: Globals;
  points: PointFit[];
  /** Simulated SALT <= 20 (Monte Carlo Wilson interval) and <= 10 by week, per simulated arm. */
  curves: ResponseCurve[];
  /** Class tau used for the drugs without a time course, months. */
  tauClass: number;
  populations: Record<string, Population>;
}

export interface ResponseCurve {
  population: string;
  drug: string;
  weeks: { week: number; salt20: number; lo: number; hi: number; salt10: number }[];
}

/** Response curves run from week 0 to CURVE_WEEKS in steps of CURVE_STEP_WEEKS. */
export const CURVE_WEEKS = 104;
export const CURVE_STEP_WEEKS = 4;

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
  const se = params.names.map((_, i) => Math.sqrt(Math.max(0, covariance[i][i])));
  const d = decode(params, internal, options.globals, options.tauClass);

  const estimates: ParameterEstimate[] = [];
  params.drugs.forEach((id, i) => {
    estimates.push({ name: `mu[${id}]`, estimate: best.x[i], se: se[i], lo: best.x[i] - Z95 * se[i], hi: best.x[i] + Z95 * se[i], kind: 'fitted' });
  });
  const nd = params.drugs.length;
  params.ownTau.forEach((id, j) => {
    const v = best.x[nd + j];
    const s = se[nd + j];
    estimates.push({ name: `tau[${id}]`, estimate: Math.exp(v), se: s, lo: Math.exp(v - Z95 * s), hi: Math.exp(v + Z95 * s), kind: 'fitted' });
  });
  if (params.ownTau.length) {
    // log tauClass = mean of the own log taus: variance 1' S 1 / m^2 over that block.
    const m = params.ownTau.length;
    let v = 0;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) v += covariance[nd + a][nd + b];
    const s = Math.sqrt(Math.max(0, v)) / m;
    const tied = params.drugs.filter((id) => !params.ownTau.includes(id));
    estimates.push({ name: 'tauClass', estimate: d.tauClass, se: s, lo: d.tauClass * Math.exp(-Z95 * s), hi: d.tauClass * Math.exp(Z95 * s), kind: 'tied',
      note: `geometric mean of the taus of ${params.ownTau.join(', ')} fitted on their own arms; the tau of ${tied.join(', ') || 'no drug'} (a single time point each)` });
  }
  if (params.fitSigma) {
    const i = sigmaIndex(params);
    estimates.push({ name: 'sigma', estimate: Math.exp(best.x[i]), se: se[i], lo: Math.exp(best.x[i] - Z95 * se[i]), hi: Math.exp(best.x[i] + Z95 * se[i]), kind: 'fitted' });
  }
  if (params.fitBetaVerySevere) {
    const i = params.names.length - 1;
    const e: ParameterEstimate = { name: 'betaVerySevere', estimate: best.x[i], se: se[i], lo: best.x[i] - Z95 * se[i], hi: best.x[i] + Z95 * se[i], kind: 'fitted' };
    if (!intervals?.has('betaVerySevere') && options.profile !== false && se[i] > 0) {
      const pr = await profileBetaVerySevere(problem, internal, best.f, se[i]);
      e.note = `profile-likelihood interval; Wald ${e.lo!.toFixed(3)} to ${e.hi!.toFixed(3)}; profile deviance rise ${pr.points.map((p) => `${p.b.toFixed(3)}: ${p.delta.toFixed(2)}`).join(', ')}`;
      e.lo = Number.isFinite(pr.lo) ? pr.lo : null;
      e.hi = Number.isFinite(pr.hi) ? pr.hi : null;
    }
    estimates.push(e);
  }
  // Profile-likelihood intervals replace the Wald ones (whose bounds the note keeps).
  for (const e of estimates) {
    const pr = intervals?.get(e.name);
    if (!pr) continue;
    const wald = e.lo !== null && e.hi !== null && !/profile/.test(e.note ?? '') ? `Wald ${fmtEdge(e.lo)} to ${fmtEdge(e.hi)}` : '';
    e.note = pr.verbatim ? pr.note : [pr.note, wald, e.kind === 'tied' ? e.note : ''].filter(Boolean).join('; ');
    e.lo = pr.lo;
    e.hi = pr.hi;
  }

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
  const grid = Array.from({ length: CURVE_WEEKS / CURVE_STEP_WEEKS + 1 }, (_, i) => i * CURVE_STEP_WEEKS);
  const curveArms = await problem.simulate(internal, undefined, () => grid);
  const curves: ResponseCurve[] = problem.combos.map((c, i) => ({
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
  const pointFits: PointFit[] = points.map((p, i) => {
    const r = fitted[i];
    const pub = wilson(p.salt20 * p.nEff, p.nEff);
    const s20 = drawn.map((dr) => dr[i].sim20);
    const s10 = drawn.map((dr) => dr[i].sim10);
    return {
      ...p,
      sim20: r.sim20,
      sim10: r.sim10,
      sim20Lo: draws ? interpolatedQuantile(s20, 0.025) : r.sim20,
      sim20Hi: draws ? interpolatedQuantile(s20, 0.975) : r.sim20,
      sim10Lo: draws ? interpolatedQuantile(s10, 0.025) : r.sim10,
      sim10Hi: draws ? interpolatedQuantile(s10, 0.975) : r.sim10,
      pub20Lo: pub.lo,
      pub20Hi: pub.hi,
      residual20: residualSe(p.salt20, r.sim20, p.nEff),
      residual10: p.salt10 === undefined ? undefined : residualSe(p.salt10, r.sim10, p.nEff),
      withinPublished: r.sim20 >= pub.lo && r.sim20 <= pub.hi,
      deviance: pointDeviance(p, r.sim20, r.sim10),
    };
  });
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

const fmtEdge = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4));
