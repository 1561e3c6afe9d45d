// The validate use case: re-assess a stored calibration (its vector, covariance, seed) against the data, without refitting.
import { assessFit, type CalibrationResult } from '../calibration/assess.js';
import { CalibrationProblem, type CalibrationOptions } from '../calibration/problem.js';
import type { Engine } from '../engine/pool.js';
import { readCatalogUncertainty } from '../io/catalog.js';
import { writeCalibrationReport } from '../io/calibrationReport.js';
import { UserError } from '../io/errors.js';
import { DEFAULTS } from '../io/scenario.js';
import { checkOutputFolder } from '../io/outputCheck.js';
import { loadTrialData } from '../io/trials.js';
import type { AppContext } from './context.js';

export interface ValidateInputs {
  data: string;
  /** A catalog written by `jaksim calibrate`. */
  catalog: string;
  reportDir: string;
  draws: number;
}

/** `jaksim validate`: the stored fit's points, curves and intervals against the data; report.html and the CSV files. */
export async function runValidation(
  inputs: ValidateInputs, engine: Engine, ctx: AppContext,
): Promise<{ result: CalibrationResult; reportFiles: string[] }> {
  const data = loadTrialData(inputs.data);
  const stored = readCatalogUncertainty(inputs.catalog);
  checkOutputFolder(inputs.reportDir, '--report-dir');
  const started = performance.now();
  const globals = { ...DEFAULTS.globals, ...stored.globals };
  const options: CalibrationOptions = {
    engine, patients: stored.patients, seed: stored.seed, starts: 0, maxEvals: 0, draws: inputs.draws, globals, tauClass: stored.tauClass,
    fit: { sigma: stored.names.includes('logSigma'), betaVerySevere: stored.names.includes('betaVerySevere'),
      betaDur: stored.names.includes('betaDur'), tauOff: stored.names.includes('logTauOff'), onsetShape: stored.names.includes('logK'),
      escape: stored.names.some((n) => n.startsWith('logEscape')) },
  };
  const problem = new CalibrationProblem(data, options);
  if (problem.params.names.join(',') !== stored.names.join(',')) {
    throw new UserError(`${inputs.catalog}: uncertainty.vector: expected the parameters the data identify (${problem.params.names.join(', ')}), got ${stored.names.join(', ')}; run jaksim calibrate again`);
  }
  // Progress: assessFit simulates every arm at the estimate (deviance, fitted rates, curves) and at each draw.
  const total = (inputs.draws + 5) * problem.combos.length * stored.patients;
  let done = 0;
  if (ctx.onProgress) engine.onSimulated = (patients) => ctx.onProgress!(done += patients, total);
  // The profile intervals are those calibrate stored (computing them refits); the Wald intervals otherwise.
  const result = await assessFit(problem, stored.estimate, stored.covariance, false, [], { ...options, profile: false }, stored.intervals);
  engine.onSimulated = undefined;
  const seconds = (performance.now() - started) / 1000;
  const reportFiles = await writeCalibrationReport(inputs.reportDir, result, { command: ctx.command, dataFile: inputs.data, seconds });
  return { result, reportFiles };
}
