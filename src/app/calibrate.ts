// The calibrate use case: fit drug parameters to the published trials, write the calibrated catalog and the report.
import type { CalibrationResult } from '../calibration/assess.js';
import { calibrate } from '../calibration/fit.js';
import type { Engine } from '../engine/pool.js';
import { catalogDocument, writeCatalog } from '../io/catalog.js';
import { writeCalibrationReport } from '../io/calibrationReport.js';
import { DEFAULTS } from '../io/scenario.js';
import { loadTrialData } from '../io/trials.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';

/** Defaults of `jaksim calibrate`: about 3 minutes on 2 cores (docs/calibration.md). */
export const CALIBRATE_DEFAULTS = { patients: 8192, seed: 20251008, starts: 3, maxEvals: 400, draws: 20 };

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
  /** Block-coordinate sweeps per start (default 5). */
  sweeps?: number;
  /** Profile-likelihood intervals (default true; false: Wald). */
  profile?: boolean;
}

export interface CalibrateOutcome {
  result: CalibrationResult;
  /** The catalog document written to `out`. */
  catalog: Record<string, unknown>;
  reportFiles: string[];
  seconds: number;
}

/** `jaksim calibrate`: the fit (calibration/fit.ts), the catalog at `out` and the report in `reportDir`. */
export async function runCalibration(inputs: CalibrateInputs, engine: Engine, ctx: AppContext): Promise<CalibrateOutcome> {
  const data = loadTrialData(inputs.data);
  const started = performance.now();
  // An optimiser's length is not known beforehand: progress in patients with a total of 0 (unknown).
  let done = 0;
  if (ctx.onProgress) engine.onSimulated = (patients) => ctx.onProgress!(done += patients, 0);
  const result = await calibrate(data, {
    engine, patients: inputs.patients, seed: inputs.seed, starts: inputs.starts, maxEvals: inputs.maxEvals, draws: inputs.draws,
    globals: { ...DEFAULTS.globals },
    fit: { sigma: inputs.fitSigma },
    maxSweeps: inputs.sweeps,
    profile: inputs.profile,
    log: ctx.log,
  });
  engine.onSimulated = undefined;
  const seconds = (performance.now() - started) / 1000;
  const catalog = catalogDocument(result, { dataFile: inputs.data, seconds, command: ctx.command, engineVersion: ENGINE_VERSION });
  writeCatalog(inputs.out, catalog);
  const reportFiles = await writeCalibrationReport(inputs.reportDir, result, { command: ctx.command, dataFile: inputs.data, seconds });
  return { result, catalog, reportFiles, seconds };
}
