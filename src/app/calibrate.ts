// The calibrate use case: fit drug parameters to the published trials, write the calibrated catalog and the report.
import type { CalibrationResult } from '../calibration/assess.js';
import { adaptiveHessian, calibrate } from '../calibration/fit.js';
import { calibrationPoints } from '../calibration/data.js';
import { freeParameters, fromNatural } from '../calibration/parameters.js';
import { calibrationPosterior, type PosteriorMethod } from '../calibration/posterior.js';
import { CalibrationProblem } from '../calibration/problem.js';
import type { Engine } from '../engine/pool.js';
import { catalogDocument, readCatalogDocument, readCatalogUncertainty, writeCatalog } from '../io/catalog.js';
import { ScenarioError, UserError } from '../io/errors.js';
import { writeCalibrationReport } from '../io/calibrationReport.js';
import { POSTERIOR_FORMAT, POSTERIOR_FORMAT_VERSION, posteriorReference, writePosteriorDraws, type PosteriorDraws } from '../io/posteriorDraws.js';
import { DEFAULTS } from '../io/scenario.js';
import { checkOutputFile, checkOutputFolder } from '../io/outputCheck.js';
import { loadTrialData } from '../io/trials.js';
import { regressionMinimumPoints } from '../stats/laplaceRegression.js';
import { inverseWithRidge } from '../stats/matrix.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { CALIBRATE_DEFAULTS } from './defaults.js';

export { CALIBRATE_DEFAULTS };

/** The posterior draws file of a catalog written to `out` (see CALIBRATE_DEFAULTS.posteriorOut). */
export function defaultPosteriorOut(out: string): string {
  return out === CALIBRATE_DEFAULTS.out ? CALIBRATE_DEFAULTS.posteriorOut : `${out.replace(/\.ya?ml$/i, '')}.draws.json`;
}

export interface CalibrateInputs {
  /** Published trial data (data/trials.json). */
  data: string;
  /** The calibrated catalog to write. */
  out: string;
  /** Folder of report.html and the CSV files. */
  reportDir: string;
  patients: number;
  seed: number;
  starts: number;
  maxEvals: number;
  draws: number;
  fitSigma: boolean;
  /** Posterior sample (SIR): proposals weighted, draws kept (0 proposals: none), and the file for them. */
  posteriorProposals: number;
  posteriorDraws: number;
  posteriorOut?: string;
  /** Patients per arm of the posterior's likelihood (default the fit's). */
  posteriorPatients?: number;
  /** How the posterior is sampled (default regression: the Laplace approximation re-centred and re-scaled by a regression of the deviance; sir: adaptive importance sampling on the raw deviance). */
  posteriorMethod?: PosteriorMethod;
  /** Block-coordinate sweeps per start (default 5). */
  sweeps?: number;
  /** Rounds of the joint polish (default 1 here; the CLI's default CALIBRATE_DEFAULTS.polishRounds). */
  polishRounds?: number;
  /** Profile-likelihood intervals (default true; false: Wald). */
  profile?: boolean;
}

export interface CalibrateOutcome {
  result: CalibrationResult;
  /** The catalog document written to `out`. */
  catalog: Record<string, unknown>;
  reportFiles: string[];
  seconds: number;
  /** The posterior draws written (absent with 0 proposals), and the seconds they took. */
  posterior?: { file: string; draws: PosteriorDraws; seconds: number };
}

/** `jaksim calibrate`: the fit (calibration/fit.ts), the catalog at `out` and the report in `reportDir`. */
export async function runCalibration(inputs: CalibrateInputs, engine: Engine, ctx: AppContext): Promise<CalibrateOutcome> {
  const data = loadTrialData(inputs.data);
  // Both outputs checked before the fit (minutes): neither is written only for the other to fail.
  checkOutputFile(inputs.out, '--out');
  checkOutputFolder(inputs.reportDir, '--report-dir');
  checkPosteriorProposals(inputs, freeParameters(calibrationPoints(data), { sigma: inputs.fitSigma }).names.length);
  const started = performance.now();
  // An optimiser's length is not known beforehand: progress in patients with a total of 0 (unknown).
  let done = 0;
  if (ctx.onProgress) engine.onSimulated = (patients) => ctx.onProgress!(done += patients, 0);
  const result = await calibrate(data, {
    engine, patients: inputs.patients, seed: inputs.seed, starts: inputs.starts, maxEvals: inputs.maxEvals, draws: inputs.draws,
    globals: { ...DEFAULTS.globals },
    fit: { sigma: inputs.fitSigma },
    maxSweeps: inputs.sweeps,
    polishRounds: inputs.polishRounds,
    profile: inputs.profile,
    log: ctx.log,
  });
  engine.onSimulated = undefined;
  const seconds = (performance.now() - started) / 1000;
  const catalog = catalogDocument(result, { dataFile: inputs.data, seconds, command: ctx.command, engineVersion: ENGINE_VERSION });
  let posterior: CalibrateOutcome['posterior'];
  if (inputs.posteriorProposals > 0) {
    const t0 = performance.now();
    const file = inputs.posteriorOut ?? defaultPosteriorOut(inputs.out);
    const draws = await samplePosterior(inputs, result, engine, ctx);
    writePosteriorDraws(file, draws);
    catalog.posterior = posteriorReference(inputs.out, file, draws);
    posterior = { file, draws, seconds: (performance.now() - t0) / 1000 };
  }
  writeCatalog(inputs.out, catalog);
  const reportFiles = await writeCalibrationReport(inputs.reportDir, result, { command: ctx.command, dataFile: inputs.data, seconds });
  return { result, catalog, reportFiles, seconds, posterior };
}

/**
 * The regression posterior needs enough proposals for its quadratic surface: refused before the fit
 * (minutes to hours) rather than after it, when the regression would find too few.
 */
function checkPosteriorProposals(inputs: Pick<CalibrateInputs, 'posteriorProposals' | 'posteriorMethod'>, parameters: number): void {
  const least = regressionMinimumPoints(parameters);
  if ((inputs.posteriorMethod ?? 'regression') === 'regression' && inputs.posteriorProposals > 0 && inputs.posteriorProposals < least) {
    throw new UserError(`--posterior-proposals: the regression posterior of ${parameters} parameters needs at least ${least} proposals `
      + `(4 per coefficient of its quadratic surface), got ${inputs.posteriorProposals}; 0 for no posterior draws`);
  }
}

/** The posterior draws of a fit (calibration/posterior.ts) on the fit's own problem: same seed, arms and fixed class tau. */
async function samplePosterior(inputs: CalibrateInputs, result: CalibrationResult, engine: Engine, ctx: AppContext): Promise<PosteriorDraws> {
  const fit = { estimate: result.x, deviance: result.deviance, df: result.df, seed: inputs.seed, patients: inputs.patients, tauClass: result.tauClass };
  const fitted = {
    drugs: Object.fromEntries(result.catalog.map((x) => [x.id, { mu: x.mu, tau: x.tau }])),
    globals: result.globals as unknown as Record<string, number>,
  };
  return posteriorAtEstimate(inputs, fit, { sigma: result.params.fitSigma, betaVerySevere: result.params.fitBetaVerySevere }, fitted, engine, ctx);
}

/** What the posterior needs of a fit: its natural vector, deviance and residual df, and the problem it was fitted on. */
interface FitForPosterior { estimate: number[]; deviance: number; df: number; seed: number; patients: number; tauClass?: number }

/**
 * The posterior draws around a fitted natural vector: the proposal's
 * covariance from a Hessian whose steps follow each coordinate's curvature
 * (adaptiveHessian: the deviance under common random numbers is stepped, and
 * the stored information matrix of the fit, by steps of 0.1, needed a ridge
 * of 15 under version 2), then the adaptive importance sampler.
 */
async function posteriorAtEstimate(
  inputs: Pick<CalibrateInputs, 'data' | 'posteriorProposals' | 'posteriorDraws' | 'posteriorPatients' | 'posteriorMethod'>, fit: FitForPosterior, switches: { sigma: boolean; betaVerySevere: boolean },
  fitted: { drugs: Record<string, { mu: number; tau: number }>; globals: Record<string, number> }, engine: Engine, ctx: AppContext,
): Promise<PosteriorDraws> {
  // The fit's own problem (seed, arms, class tau), with --posterior-patients if given. Its deviance is noisy:
  // at 2,048 patients the noise between points a standard error apart has an sd of about 4 deviance points,
  // which leaves the importance weights degenerate whatever the proposal (docs/calibration.md).
  const problem = new CalibrationProblem(loadTrialData(inputs.data), {
    engine, patients: inputs.posteriorPatients ?? fit.patients, seed: fit.seed, starts: 0, maxEvals: 0, globals: { ...DEFAULTS.globals }, tauClass: fit.tauClass, fit: switches,
  });
  const { params } = problem;
  const base = problem.options.globals;
  ctx.log?.(`posterior: Hessian at the fit (steps fitted to each coordinate's curvature), about ${2 * params.names.length ** 2} evaluations`);
  const { H, steps } = await adaptiveHessian((v) => problem.deviance(fromNatural(params, v, base)), fit.estimate);
  const { inverse, ridge } = await inverseWithRidge(H.map((row) => row.map((v) => v / 2)));
  const proposalNote = `the inverse of half a central-difference Hessian of the deviance at the fit, its steps (${Math.min(...steps).toPrecision(2)} to ${Math.max(...steps).toPrecision(2)}) `
    + `where a quadratic of each coordinate's curvature rises by 2${ridge > 0 ? `, ridge ${ridge.toPrecision(2)}` : ''}`;
  let shown = 0;
  const d = await calibrationPosterior(problem, { x: fit.estimate, covariance: inverse, deviance: fit.deviance, df: fit.df }, {
    proposals: inputs.posteriorProposals, draws: inputs.posteriorDraws, seed: fit.seed, method: inputs.posteriorMethod ?? 'regression',
    onProgress: (done, total) => { if (done >= shown + total / 10 || done === total) { shown = done; ctx.log?.(`posterior: ${done} of ${total} proposals weighted`); } },
  }, proposalNote);
  const round = (v: number) => Number(v.toPrecision(6)); // as the catalog writes them
  return {
    format: POSTERIOR_FORMAT,
    formatVersion: POSTERIOR_FORMAT_VERSION,
    method: d.method,
    seed: fit.seed,
    proposals: d.sample.proposals,
    draws: d.sample.draws.length,
    ess: d.sample.ess,
    maxWeight: d.sample.maxWeight,
    drugs: d.drugs,
    globals: d.globals,
    estimate: {
      drugs: Object.fromEntries(Object.entries(fitted.drugs).map(([id, x]) => [id, { mu: round(x.mu), tau: round(x.tau) }])),
      globals: Object.fromEntries(Object.keys(d.globals).map((k) => [k, round(fitted.globals[k])])),
    },
  };
}

export interface PosteriorOnlyInputs extends Pick<CalibrateInputs, 'data' | 'out' | 'posteriorProposals' | 'posteriorDraws' | 'posteriorOut' | 'posteriorPatients' | 'posteriorMethod'> {}

/**
 * `jaksim calibrate --posterior-only`: the posterior draws of the fitted
 * catalog at `out`, at its stored estimate, seed, patients per arm and class
 * tau (nothing refitted); writes the draws file and the catalog's
 * `posterior:` key, every other key of the catalog as it was.
 */
export async function runPosteriorOnly(inputs: PosteriorOnlyInputs, engine: Engine, ctx: AppContext): Promise<{ file: string; draws: PosteriorDraws; seconds: number }> {
  const stored = readCatalogUncertainty(inputs.out);
  const doc = readCatalogDocument(inputs.out);
  const file = inputs.posteriorOut ?? defaultPosteriorOut(inputs.out);
  checkOutputFile(inputs.out, '--out');
  checkOutputFile(file, '--posterior-out');
  const t0 = performance.now();
  const fitDoc = (doc.fit ?? {}) as { deviance?: number; residualDf?: number };
  const switches = { sigma: stored.names.includes('logSigma'), betaVerySevere: stored.names.includes('betaVerySevere') };
  // The catalog's vector must be the one these data give (same arms, drugs and fitted globals), else its estimate means something else.
  const expected = new CalibrationProblem(loadTrialData(inputs.data), {
    engine, patients: stored.patients, seed: stored.seed, starts: 0, maxEvals: 0, globals: { ...DEFAULTS.globals }, tauClass: stored.tauClass, fit: switches,
  }).params.names;
  if (expected.join('\n') !== stored.names.join('\n')) {
    throw new ScenarioError(inputs.out, 'uncertainty.vector', `the parameters ${inputs.data} gives (${expected.length}: ${expected.join(', ')})`, `${stored.names.length}: ${stored.names.join(', ')}`);
  }
  checkPosteriorProposals(inputs, expected.length);
  const drugs = Object.fromEntries(((doc.drugs ?? []) as { id: string; mu: number; tau: number }[]).map((x) => [x.id, { mu: x.mu, tau: x.tau }]));
  const draws = await posteriorAtEstimate(inputs, {
    estimate: stored.estimate, deviance: fitDoc.deviance ?? NaN, df: fitDoc.residualDf ?? NaN, seed: stored.seed, patients: stored.patients, tauClass: stored.tauClass,
  }, switches, { drugs, globals: stored.globals }, engine, ctx);
  writePosteriorDraws(file, draws);
  doc.posterior = posteriorReference(inputs.out, file, draws);
  writeCatalog(inputs.out, doc);
  return { file, draws, seconds: (performance.now() - t0) / 1000 };
}
