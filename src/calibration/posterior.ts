// A sample from the approximate posterior of what the calibration fits: sampling-importance-resampling (SIR)
// from a Laplace proposal, the likelihood under common random numbers. Generic over the deviance it is given;
// `calibrationPosterior` is the glue to a fitted CalibrationProblem.
import { namedStream } from '../rng/streams.js';
import { chiSquareVariate } from '../stats/distributions.js';
import { fitLaplaceRegression, regressionPosterior } from '../stats/laplaceRegression.js';
import { choleskySemidefinite } from '../stats/matrix.js';
import type { CalibrationResult } from './assess.js';
import { EVALUATIONS_IN_FLIGHT, mapConcurrent } from './concurrent.js';
import { decode, fromNatural, type Parameterisation } from './parameters.js';
import { CalibrationProblem } from './problem.js';

/** What is sampled: a named vector and its deviance (-2 log-likelihood up to a constant). */
export interface PosteriorTarget {
  names: string[];
  deviance(v: number[]): Promise<number>;
}

/** The Laplace approximation at the fit: the estimate and the inverse observed information. */
export interface LaplaceApproximation {
  estimate: number[];
  covariance: number[][];
}

/** Independent normal priors, one per coordinate. */
export interface NormalPrior {
  mean: number[];
  sd: number[];
}

export interface SirOptions {
  prior: NormalPrior;
  /** Proposals drawn and weighted (in all stages), and equally weighted draws resampled from them. */
  proposals: number;
  draws: number;
  seed: number;
  /** Adaptive stages the proposals are split into (1: plain SIR from the Laplace proposal). */
  stages?: number;
  /** Degrees of freedom of the multivariate t proposals (heavier tails than the normal approximation). */
  df?: number;
  /** Scale factor of each proposal's spread over the covariance it is built from. */
  inflate?: number;
  /** Scale factor of the later stages' spread over the weighted covariance they are fitted to (default 1). */
  adaptInflate?: number;
  /** Deviance evaluations in flight at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PosteriorSample {
  names: string[];
  /** draws[k]: the k-th resampled vector (a posterior draw, equally weighted). */
  draws: number[][];
  proposals: number;
  /** Kish's effective sample size of the final importance weights, (sum w)^2 / sum w^2, and the largest normalised weight. */
  ess: number;
  maxWeight: number;
  /** Distinct proposals among the draws. */
  distinct: number;
  /** Effective sample size after each stage (of all proposals so far). */
  stageEss: number[];
}

export const SIR_DEFAULTS = { stages: 8, df: 5, inflate: 1.2, adaptInflate: 1, concurrency: EVALUATIONS_IN_FLIGHT };

/** A multivariate t proposal: centre, Cholesky factor of its scale and log |scale|. */
interface Proposal { mean: number[]; L: number[][]; logDet: number }

function proposalOf(mean: number[], scale: number[][]): Proposal | null {
  const L = choleskySemidefinite(scale);
  // Not positive definite, or not finite (an infinite variance makes the factor Infinity / NaN and every density NaN): no proposal.
  if (L.some((row, i) => !(row[i] > 0) || !row.every(Number.isFinite))) return null;
  return { mean, L, logDet: 2 * L.reduce((a, row, i) => a + Math.log(row[i]), 0) };
}

/** log density of the t proposal at x, up to a constant shared by every proposal of the same df and dimension. */
function logDensity(q: Proposal, x: number[], df: number): number {
  const p = x.length;
  const y = new Array<number>(p);
  let d2 = 0;
  for (let i = 0; i < p; i++) {
    let s = x[i] - q.mean[i];
    for (let j = 0; j < i; j++) s -= q.L[i][j] * y[j];
    y[i] = s / q.L[i][i];
    d2 += y[i] * y[i];
  }
  return -0.5 * q.logDet - 0.5 * (df + p) * Math.log1p(d2 / df);
}

/** Kish's effective sample size of weights exp(logW - max) raised to `power`. */
function essOf(logW: readonly number[], power = 1): number {
  const top = Math.max(...logW);
  let s = 0;
  let s2 = 0;
  for (const v of logW) {
    const w = Math.exp(power * (v - top));
    s += w;
    s2 += w * w;
  }
  return (s * s) / s2;
}

/**
 * The first proposal: centred on the estimate with inflate^2 times the Laplace covariance, each coordinate's
 * spread capped at its prior sd (a direction the data do not bound has no finite Laplace variance: a variance
 * not finite or not positive gets its prior sd, uncorrelated).
 */
function laplaceProposal(fit: LaplaceApproximation, prior: NormalPrior, inflate: number): Proposal {
  const unbounded = fit.covariance.map((row, i) => !(row[i] > 0 && Number.isFinite(row[i])) || !row.every(Number.isFinite));
  const covariance = fit.covariance.map((row, i) => row.map((v, j) => (unbounded[i] || unbounded[j] ? (i === j ? prior.sd[i] ** 2 : 0) : v)));
  const cap = covariance.map((row, i) => Math.min(1, prior.sd[i] / Math.sqrt(row[i])));
  const laplace = covariance.map((row, i) => row.map((v, j) => inflate * inflate * cap[i] * cap[j] * v + (i === j ? 1e-12 : 0)));
  return proposalOf(fit.estimate, laplace) ?? proposalOf(fit.estimate, laplace.map((row, i) => row.map((v, j) => (i === j ? v : 0))))!;
}

/** `count` draws from the t proposal (df) q. */
function proposeFrom(q: Proposal, count: number, df: number, rng: ReturnType<typeof namedStream>): number[][] {
  const batch: number[][] = [];
  for (let k = 0; k < count; k++) {
    const z = q.mean.map(() => rng.normal());
    const scale = Math.sqrt(df / chiSquareVariate(df, rng));
    batch.push(q.mean.map((m, i) => m + scale * q.L[i].reduce((acc, c, j) => acc + c * z[j], 0)));
  }
  return batch;
}

/**
 * Adaptive importance sampling, then resampling (SIR; Rubin 1988, with the
 * deterministic-mixture weights of AMIS, Cornuet et al., Scand J Stat
 * 2012;39:798-812). Stage 1 proposes from a multivariate t (df) centred on
 * the estimate with scale inflate^2 times the Laplace covariance, each
 * coordinate's spread capped at its prior sd (a direction the data do not
 * bound has no finite Laplace variance). After each stage every proposal so
 * far is weighted by L(x) prior(x) / (the mixture of all stages' proposal
 * densities), L = exp(-deviance / 2); the next stage's t is centred and
 * scaled by their weighted mean and covariance, the weights tempered (w^a,
 * the largest a <= 1 leaving an effective sample size of at least 5 per
 * coordinate) so that a few heavy proposals do not collapse it. Finally
 * `draws` draws by systematic resampling, shuffled. Seeded: `<seed>/posterior/...` streams.
 */
export async function samplingImportanceResampling(
  target: PosteriorTarget, fit: LaplaceApproximation, o: SirOptions,
): Promise<PosteriorSample> {
  const p = target.names.length;
  const df = o.df ?? SIR_DEFAULTS.df;
  const inflate = o.inflate ?? SIR_DEFAULTS.inflate;
  const adaptInflate = o.adaptInflate ?? SIR_DEFAULTS.adaptInflate;
  const stages = Math.max(1, Math.min(o.stages ?? SIR_DEFAULTS.stages, o.proposals));
  const concurrency = o.concurrency ?? SIR_DEFAULTS.concurrency;
  const rng = namedStream(`${o.seed}/posterior/proposals`);
  const points: number[][] = [];
  const logTarget: number[] = [];
  const used: { q: Proposal; count: number }[] = [];
  let q = laplaceProposal(fit, o.prior, inflate);
  let logW: number[] = [];
  const stageEss: number[] = [];
  for (let stage = 0; stage < stages; stage++) {
    const count = Math.floor(((stage + 1) * o.proposals) / stages) - Math.floor((stage * o.proposals) / stages);
    const batch = proposeFrom(q, count, df, rng);
    const before = points.length;
    const dev = await mapConcurrent(batch, (x) => target.deviance(x), concurrency, (n) => o.onProgress?.(before + n, o.proposals));
    batch.forEach((x, i) => {
      let prior = 0;
      for (let c = 0; c < p; c++) prior -= 0.5 * ((x[c] - o.prior.mean[c]) / o.prior.sd[c]) ** 2;
      points.push(x);
      logTarget.push(Number.isFinite(dev[i]) && Number.isFinite(prior) ? -0.5 * dev[i] + prior : -Infinity);
    });
    used.push({ q, count });
    // Deterministic-mixture weights: every point against the mixture of all proposals used so far.
    logW = points.map((x, k) => {
      if (logTarget[k] === -Infinity) return -Infinity;
      const parts = used.map((u) => Math.log(u.count) + logDensity(u.q, x, df)).filter(Number.isFinite);
      if (parts.length === 0) return -Infinity; // a point no proposal reaches (not finite): no weight
      const top = Math.max(...parts);
      return logTarget[k] - (top + Math.log(parts.reduce((a, v) => a + Math.exp(v - top), 0)));
    });
    const finite = logW.map((v) => (Number.isFinite(v) ? v : -1e300));
    stageEss.push(essOf(finite));
    if (stage === stages - 1) break;
    // Next proposal: the weighted mean and covariance, the weights tempered until they are not degenerate.
    let power = 1;
    const wanted = Math.min(points.length / 2, 5 * p);
    if (essOf(finite) < wanted) {
      let lo = 0;
      let hi = 1;
      for (let it = 0; it < 40; it++) { const mid = (lo + hi) / 2; if (essOf(finite, mid) >= wanted) lo = mid; else hi = mid; }
      power = lo;
    }
    const top = Math.max(...finite);
    const w = finite.map((v) => (v === -1e300 ? 0 : Math.exp(power * (v - top))));
    const sw = w.reduce((a, b) => a + b, 0);
    const mean = target.names.map((_, i) => points.reduce((a, x, k) => (w[k] > 0 ? a + w[k] * x[i] : a), 0) / sw);
    const cov = target.names.map((_, i) => target.names.map((__, j) =>
      adaptInflate * adaptInflate * points.reduce((a, x, k) => (w[k] > 0 ? a + w[k] * (x[i] - mean[i]) * (x[j] - mean[j]) : a), 0) / sw + (i === j ? 1e-12 : 0)));
    if (sw > 0) q = proposalOf(mean, cov) ?? q; // no weight at all: keep the proposal
  }
  const finite = logW.map((v) => (Number.isFinite(v) ? v : -Infinity));
  const top = Math.max(...finite);
  const w = finite.map((v) => (Number.isFinite(v) ? Math.exp(v - top) : 0));
  const sum = w.reduce((a, b) => a + b, 0);
  const picks = systematicResample(w.map((v) => v / sum), o.draws, namedStream(`${o.seed}/posterior/resample`));
  return {
    names: target.names,
    draws: picks.map((k) => points[k]),
    proposals: points.length,
    ess: (sum * sum) / w.reduce((a, b) => a + b * b, 0),
    maxWeight: Math.max(...w) / sum,
    distinct: new Set(picks).size,
    stageEss,
  };
}

/** `count` indices drawn with probabilities `p` by systematic resampling (one uniform), then shuffled (Fisher-Yates). */
export function systematicResample(p: readonly number[], count: number, rng: ReturnType<typeof namedStream>): number[] {
  const out: number[] = [];
  const u0 = rng.uniform() / count;
  let cum = p[0];
  let i = 0;
  for (let k = 0; k < count; k++) {
    const u = u0 + k / count;
    while (u > cum && i < p.length - 1) cum += p[++i];
    out.push(i);
  }
  for (let k = count - 1; k > 0; k--) {
    const j = Math.floor(rng.uniform() * (k + 1));
    [out[k], out[j]] = [out[j], out[k]];
  }
  return out;
}

export interface RegressionOptions extends Pick<SirOptions, 'prior' | 'proposals' | 'draws' | 'seed' | 'df' | 'inflate' | 'concurrency' | 'onProgress'> {
  /** The likelihood's power (1: none; below 1 widens the posterior for the simulation's own error). */
  likelihoodWeight?: number;
}

/** What the regression sampler measured: the fit, and the importance weights the raw deviance gives its own design (a diagnostic). */
export interface RegressionDiagnostics {
  a: number;
  aSe: number;
  residualSd: number;
  points: number;
  outliers: number;
  /** Shift of the posterior mean from the estimate, in Laplace sds: the largest over the coordinates. */
  largestShift: number;
  /** Kish's effective sample size of likelihood x prior / proposal on the raw deviance over the design (what plain SIR would have had). */
  rawEss: number;
}

/**
 * Posterior draws for a noisy simulated deviance, by regression (the method
 * the calibration uses; docs/calibration.md): `proposals` design points from
 * the same multivariate t as SIR's first stage (centred on the estimate,
 * inflate^2 x the Laplace covariance), the deviance at each, a robust
 * regression D ~ c + g'z + a z'z in the Laplace-whitened coordinates
 * (stats/laplaceRegression.ts), and then `draws` independent draws from the
 * normal posterior that regression, the likelihood weight and the priors
 * give: the Laplace covariance scaled by 1 / (weight a), its centre moved by
 * the regression's slope. Every draw is distinct and equally weighted (the
 * effective sample size is the number of draws). Seeded: `<seed>/posterior/...`.
 */
export async function regressionPosteriorSample(
  target: PosteriorTarget, fit: LaplaceApproximation, o: RegressionOptions,
): Promise<PosteriorSample & { regression: RegressionDiagnostics }> {
  const df = o.df ?? SIR_DEFAULTS.df;
  const inflate = o.inflate ?? SIR_DEFAULTS.inflate;
  const concurrency = o.concurrency ?? SIR_DEFAULTS.concurrency;
  const weight = o.likelihoodWeight ?? 1;
  const q = laplaceProposal(fit, o.prior, inflate);
  const points = proposeFrom(q, o.proposals, df, namedStream(`${o.seed}/posterior/proposals`));
  const deviance = await mapConcurrent(points, (x) => target.deviance(x), concurrency, (n) => o.onProgress?.(n, o.proposals));
  const finite = points.map((_, k) => k).filter((k) => Number.isFinite(deviance[k]));
  // The regression's whitening: the Laplace covariance itself (the proposal's factor without the inflation).
  const L = q.L.map((row) => row.map((v) => v / inflate));
  const reg = await fitLaplaceRegression(finite.map((k) => points[k]), finite.map((k) => deviance[k]), q.mean, L);
  if (!reg) throw new Error(`posterior regression: only ${finite.length} of ${points.length} design points have a finite deviance`);
  const post = await regressionPosterior(reg, o.prior, weight);
  const root = choleskySemidefinite(post.covariance);
  const rng = namedStream(`${o.seed}/posterior/draws`);
  const draws = Array.from({ length: o.draws }, () => {
    const z = post.mean.map(() => rng.normal());
    return post.mean.map((m, i) => m + root[i].reduce((acc, c, j) => acc + c * z[j], 0));
  });
  const sd0 = L.map((row) => Math.sqrt(row.reduce((acc, v) => acc + v * v, 0)));
  const logPrior = (x: number[]) => x.reduce((acc, v, c) => acc - 0.5 * ((v - o.prior.mean[c]) / o.prior.sd[c]) ** 2, 0);
  const rawLogW = points.map((x, k) => (Number.isFinite(deviance[k]) ? -0.5 * weight * deviance[k] + logPrior(x) - logDensity(q, x, df) : -1e300));
  return {
    names: target.names,
    draws,
    proposals: points.length,
    ess: draws.length,
    maxWeight: 1 / draws.length,
    distinct: draws.length,
    stageEss: [],
    regression: {
      a: reg.a, aSe: reg.aSe, residualSd: reg.residualSd, points: reg.points, outliers: reg.outliers,
      largestShift: Math.max(...post.mean.map((m, i) => Math.abs(m - fit.estimate[i]) / sd0[i])),
      rawEss: essOf(rawLogW),
    },
  };
}

/**
 * Weakly informative priors of the calibration's natural vector, documented
 * in docs/calibration.md: mu ~ N(0, 4^2) (a mu of 4 is near-certain
 * response), log tau ~ N(log 5, 1), log sigma ~ N(0, 1), betaVerySevere ~ N(0, 2^2), every other coordinate
 * (version 2's log escape rates, betaDur, log tauOff, log sTauOff, log k, log sTau) N(0, 2^2).
 */
export function calibrationPrior(params: Parameterisation): NormalPrior {
  const of = (name: string): [number, number] => (name.startsWith('mu[') ? [0, 4] : name.startsWith('logTau[') ? [Math.log(5), 1]
    : name === 'logSigma' ? [0, 1] : [0, 2]);
  const pairs = params.names.map(of);
  return { mean: pairs.map((q) => q[0]), sd: pairs.map((q) => q[1]) };
}

/** The scenario global a version-2 vector entry fits. */
const V2_GLOBAL_NAME = { betaDur: 'betaDur', logTauOff: 'tauOff', logSTauOff: 'sTauOff', logK: 'k', logSTau: 'sTau' } as const;

/** Posterior draws of the calibrated drug parameters and fitted globals, decoded (columns by drug and global). */
/** How the calibration's posterior is sampled: the regression-calibrated Laplace approximation (default) or adaptive SIR. */
export type PosteriorMethod = 'regression' | 'sir';

export interface CalibrationDraws {
  sample: PosteriorSample;
  drugs: Record<string, { mu: number[]; tau: number[] }>;
  globals: Record<string, number[]>;
  method: string;
}

/**
 * Draws from the posterior of a fitted calibration, on the fit's own
 * likelihood: the class tau is held at the value of the fit's first stage,
 * as in the fit (letting it follow the own taus it is made of would let the
 * single-time-point arms pull those taus, which the two-stage fit avoids), so
 * the drugs without a time course share that tau in every draw.
 */
export async function calibrationPosterior(
  problem: CalibrationProblem, result: Pick<CalibrationResult, 'x' | 'covariance' | 'deviance' | 'df'>,
  o: Omit<SirOptions, 'prior'> & { method?: PosteriorMethod }, proposalNote = 'the Laplace covariance',
): Promise<CalibrationDraws> {
  const { params } = problem;
  const base = problem.options.globals;
  const target: PosteriorTarget = { names: params.names, deviance: (v) => problem.deviance(fromNatural(params, v, base)) };
  const prior = calibrationPrior(params);
  const laplace = { estimate: result.x, covariance: result.covariance };
  // The simulation's own error in the estimate (its variance about (1 + n / M) times the data's, n the published and M the
  // simulated patients of a figure): the regression's likelihood is tempered by 1 / (1 + n / M), n the figures' mean effective n.
  const simulationShare = problem.points.reduce((acc, pt) => acc + pt.nEff, 0) / problem.points.length / problem.options.patients;
  const weight = 1 / (1 + simulationShare);
  const regression = (o.method ?? 'regression') === 'regression'
    ? await regressionPosteriorSample(target, laplace, { ...o, prior, likelihoodWeight: weight })
    : null;
  const sample = regression ?? await samplingImportanceResampling(target, laplace, { ...o, prior });
  const decoded = sample.draws.map((v) => decode(params, fromNatural(params, v, base), base, problem.options.tauClass));
  const drugs = Object.fromEntries(params.drugs.map((id) => [id, { mu: decoded.map((d) => d.mu.get(id)!), tau: decoded.map((d) => d.tau.get(id)!) }]));
  const globals: Record<string, number[]> = {};
  if (params.fitBetaVerySevere) globals.betaVerySevere = decoded.map((d) => d.globals.betaVerySevere);
  if (params.fitSigma) globals.sigma = decoded.map((d) => d.globals.sigma);
  // Version 2's fitted globals, by their scenario names (psa varies `globals.<name>`); the escape rates stay at the fit's values.
  for (const g of params.extraGlobals ?? []) {
    const name = V2_GLOBAL_NAME[g];
    globals[name] = decoded.map((d) => d.globals[name] ?? NaN);
  }
  const phiHat = result.df > 0 ? result.deviance / result.df : NaN;
  const priors = `Priors: mu ~ N(0, 4^2), log tau ~ N(log 5, 1), log sigma ~ N(0, 1), betaVerySevere ~ N(0, 2^2)`
    + `${params.names.length > params.drugs.length + params.ownTau.length + 2 ? ', every other coordinate (version 2: log escape rates, betaDur, log tauOff, log sTauOff, log k, log sTau) ~ N(0, 2^2), besides the fit\'s own priors of the single-time-point drugs in the deviance; the escape rates are not in the draws (held at the fit)' : ''}. `
    + `The class tau is held at ${problem.options.tauClass?.toFixed(3)} months, as in the fit: its own uncertainty is not in these draws. `;
  const misfit = `The fit's deviance is ${phiHat.toFixed(2)} times its residual df: the binomial likelihood treats the published rates as exact binomial samples, `
    + 'so these draws understate the uncertainty where the model misfits.';
  const df = o.df ?? SIR_DEFAULTS.df;
  const inflate = o.inflate ?? SIR_DEFAULTS.inflate;
  let text: string;
  if (regression) {
    const r = regression.regression;
    text = `Laplace approximation re-centred and re-scaled by regression: ${sample.proposals} design points from a multivariate t (${df} df) centred on the fit with scale `
      + `${inflate}^2 x ${proposalNote} (each coordinate capped at its prior sd); the deviance at each (under the calibration's common random numbers) regressed robustly `
      + `(Tukey's biweight) on D = c + g'z + a z'z, z the Laplace-whitened coordinates: a = ${r.a.toFixed(3)} (se ${r.aSe.toFixed(3)}; 1 would be the Laplace curvature), `
      + `residual sd ${r.residualSd.toFixed(2)} deviance points (the simulation's noise), ${r.outliers} of ${sample.proposals} points dropped by the robust fit. `
      + `${sample.draws.length} independent draws from the normal posterior of exp(-w D / 2) x prior, w = ${weight.toFixed(3)} = 1 / (1 + n / M) for the simulation's own error `
      + `(n the figures' mean effective n, M = ${problem.options.patients} simulated patients per arm): the Laplace covariance times about 1 / (w a), its centre moved by the slope g `
      + `(at most ${r.largestShift.toFixed(2)} Laplace sds in any coordinate). Effective sample size ${sample.draws.length} (independent, equally weighted draws); `
      + `plain importance weights on the raw deviance would give the same design an effective sample size of ${r.rawEss.toFixed(1)}. `;
  } else {
    const stages = sample.stageEss.length;
    text = `Adaptive importance sampling and resampling: ${sample.proposals} proposals in ${stages} stage(s) of multivariate t (${df} df), `
      + `the first centred on the fit with scale ${inflate}^2 x ${proposalNote} (each coordinate capped at its prior sd), each later one `
      + 'fitted to the weighted proposals so far; weights likelihood x prior / the mixture of the proposals (likelihood exp(-deviance / 2) under the calibration\'s '
      + `common random numbers), then ${sample.draws.length} draws by systematic resampling. `
      + `Effective sample size ${sample.ess.toFixed(1)} (after each stage: ${sample.stageEss.map((e) => e.toFixed(1)).join(', ')}), ${sample.distinct} distinct proposals drawn. `;
  }
  const method = text + priors + misfit;
  return { sample, drugs, globals, method };
}
