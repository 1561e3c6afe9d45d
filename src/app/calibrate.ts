// The calibrate use case: fit drug parameters to the published trials, write the calibrated catalog and the report.
import type { CalibrationResult } from '../calibration/assess.js';
import { calibrate } from '../calibration/fit.js';
import { calibrationPosterior } from '../calibration/posterior.js';
import { CalibrationProblem } from '../calibration/problem.js';
import type { Engine } from '../engine/pool.js';
import { catalogDocument, writeCatalog } from '../io/catalog.js';
import { writeCalibrationReport } from '../io/calibrationReport.js';
import { POSTERIOR_FORMAT, POSTERIOR_FORMAT_VERSION, posteriorReference, writePosteriorDraws, type PosteriorDraws } from '../io/posteriorDraws.js';
import { DEFAULTS } from '../io/scenario.js';
import { checkOutputFile, checkOutputFolder } from '../io/outputCheck.js';
import { loadTrialData } from '../io/trials.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';

/** Defaults of `jaksim calibrate`: about 3 minutes on 2 cores (docs/calibration.md). */
export const CALIBRATE_DEFAULTS = {
  patients: 8192, seed: 20251008, starts: 3, maxEvals: 400, polishRounds: 4, draws: 20, posteriorProposals: 2000, posteriorDraws: 1000,
  out: 'scenarios/catalog.calibrated.yaml',
  /** Where the posterior draws of the default catalog go; other catalogs get `<catalog>.draws.json` beside them. */
  posteriorOut: 'data/catalog.calibrated.draws.json',
};

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

/** The posterior draws of a fit (calibration/posterior.ts) on the fit's own problem: same seed, arms and fixed class tau. */
async function samplePosterior(inputs: CalibrateInputs, result: CalibrationResult, engine: Engine, ctx: AppContext): Promise<PosteriorDraws> {
  const problem = new CalibrationProblem(loadTrialData(inputs.data), {
    engine, patients: inputs.patients, seed: inputs.seed, starts: 0, maxEvals: 0, globals: { ...DEFAULTS.globals },
    tauClass: result.tauClass, fit: { sigma: result.params.fitSigma, betaVerySevere: result.params.fitBetaVerySevere },
  });
  let shown = 0;
  const d = await calibrationPosterior(problem, result, {
    proposals: inputs.posteriorProposals, draws: inputs.posteriorDraws, seed: inputs.seed,
    onProgress: (done, total) => { if (done >= shown + total / 10 || done === total) { shown = done; ctx.log?.(`posterior: ${done} of ${total} proposals weighted`); } },
  });
  const round = (v: number) => Number(v.toPrecision(6)); // as the catalog writes them
  return {
    format: POSTERIOR_FORMAT,
    formatVersion: POSTERIOR_FORMAT_VERSION,
    method: d.method,
    seed: inputs.seed,
    proposals: d.sample.proposals,
    draws: d.sample.draws.length,
    ess: d.sample.ess,
    maxWeight: d.sample.maxWeight,
    drugs: d.drugs,
    globals: d.globals,
    estimate: {
      drugs: Object.fromEntries(result.catalog.map((x) => [x.id, { mu: round(x.mu), tau: round(x.tau) }])),
      globals: Object.fromEntries(Object.keys(d.globals).map((k) => [k, round((result.globals as unknown as Record<string, number>)[k])])),
    },
  };
}
