// `jaksim calibrate` (fit drug parameters to data/trials.json, write the catalog and the validation report) and `jaksim validate`.
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import type { Argv } from 'yargs';
import { calibrate, CalibrationProblem, assessFit, type CalibrationOptions } from '../calibration/fit.js';
import { Engine } from '../engine/pool.js';
import { catalogDocument, readCatalogUncertainty, writeCatalog } from '../io/catalog.js';
import { formatValidationTable, writeCalibrationReport } from '../io/calibrationReport.js';
import { UserError } from '../io/errors.js';
import { DEFAULTS } from '../io/scenario.js';
import { loadTrialData } from '../io/trials.js';
import { ENGINE_VERSION } from '../version.js';
import { progressBar } from './progress.js';

export interface CalibrateArgs {
  data: string;
  out: string;
  reportDir: string;
  patients: number;
  seed: number;
  starts: number;
  maxEvals: number;
  draws: number;
  fitSigma: boolean;
  workers: number;
  json: boolean;
}

export interface ValidateArgs {
  data: string;
  catalog: string;
  reportDir: string;
  draws: number;
  workers: number;
  json: boolean;
}

/** Defaults of `jaksim calibrate`: about 3 minutes on 2 cores (docs/calibration.md). */
export const CALIBRATE_DEFAULTS = { patients: 8192, seed: 20251008, starts: 3, maxEvals: 400, draws: 20 };

function check(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`--${name}: expected a whole number from ${min} to ${max}, got ${v}`);
}

const show = (file: string) => relative(process.cwd(), file) || file;

export async function calibrateCommand(a: CalibrateArgs, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  check('patients', a.patients, 100, 10_000_000);
  check('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  check('starts', a.starts, 1, 100);
  check('max-evals', a.maxEvals, 0, 1_000_000);
  check('draws', a.draws, 0, 10_000);
  check('workers', a.workers, 1, 64);
  const data = loadTrialData(a.data);
  const started = performance.now();
  const engine = new Engine({ workers: a.workers });
  // An optimiser's length is not known beforehand: elapsed time and rate, no ETA; its log lines print above.
  const progress = progressBar(!a.json, 'calibrate');
  engine.onSimulated = (patients) => progress.add(patients);
  let result;
  try {
    result = await calibrate(data, {
      engine, patients: a.patients, seed: a.seed, starts: a.starts, maxEvals: a.maxEvals, draws: a.draws,
      globals: { ...DEFAULTS.globals },
      fit: { sigma: a.fitSigma },
      log: a.json ? undefined : (m) => progress.interrupt(() => err(`calibrate: ${m}`)),
    });
  } finally {
    progress.stop();
    await engine.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const command = ['jaksim', ...process.argv.slice(2)].join(' ');
  const doc = catalogDocument(result, { dataFile: a.data, seconds, command, engineVersion: ENGINE_VERSION });
  writeCatalog(a.out, doc);
  const files = await writeCalibrationReport(a.reportDir, result, { command, dataFile: a.data, seconds });
  if (a.json) {
    out(JSON.stringify({ catalog: a.out, report: files, ...doc, points: result.points }));
    return 0;
  }
  out(formatValidationTable(result));
  out('\nParameters (95% interval):');
  const edge = (v: number | null) => (v === null ? 'open' : v.toFixed(3));
  for (const e of result.estimates) out(`  ${e.name.padEnd(30)} ${e.estimate.toFixed(3).padStart(8)}  (${edge(e.lo)} to ${edge(e.hi)})${e.kind === 'tied' ? '  tied' : ''}`);
  const open = result.estimates.filter((e) => e.lo === null || e.hi === null).map((e) => e.name);
  if (open.length) out(`  open edge (not bounded by the data): ${open.join(', ')}`);
  out(`\nCatalog: ${show(a.out)}\nReport: ${files.map(show).join(', ')}\nTime: ${seconds.toFixed(1)} s, ${result.evals} objective evaluations`);
  return 0;
}

/** Re-assess a stored calibration (its vector, covariance, seed) against the data, without refitting. */
export async function validateCommand(a: ValidateArgs, out: (t: string) => void): Promise<number> {
  check('draws', a.draws, 0, 10_000);
  check('workers', a.workers, 1, 64);
  const data = loadTrialData(a.data);
  const stored = readCatalogUncertainty(a.catalog);
  const started = performance.now();
  const engine = new Engine({ workers: a.workers });
  const progress = progressBar(!a.json, 'validate');
  engine.onSimulated = (patients) => progress.add(patients);
  let result;
  try {
    const globals = { ...DEFAULTS.globals, ...stored.globals };
    const options: CalibrationOptions = {
      engine, patients: stored.patients, seed: stored.seed, starts: 0, maxEvals: 0, draws: a.draws, globals, tauClass: stored.tauClass,
      fit: { sigma: stored.names.includes('logSigma'), betaVerySevere: stored.names.includes('betaVerySevere') },
    };
    const problem = new CalibrationProblem(data, options);
    if (problem.spec.names.join(',') !== stored.names.join(',')) {
      throw new UserError(`${a.catalog}: uncertainty.vector: expected the parameters the data identify (${problem.spec.names.join(', ')}), got ${stored.names.join(', ')}; run jaksim calibrate again`);
    }
    // assessFit simulates every arm at the estimate (deviance, fitted rates, curves) and at each draw.
    progress.setTotal((a.draws + 3) * problem.combos.length * stored.patients);
    // The profile intervals are those calibrate stored (computing them refits); the Wald intervals otherwise.
    result = await assessFit(problem, stored.estimate, stored.covariance, false, [], { ...options, profile: false }, stored.intervals);
  } finally {
    progress.stop();
    await engine.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const command = ['jaksim', ...process.argv.slice(2)].join(' ');
  const files = await writeCalibrationReport(a.reportDir, result, { command, dataFile: a.data, seconds });
  if (a.json) {
    out(JSON.stringify({ report: files, deviance: result.deviance, df: result.df, pValue: result.pValue, points: result.points }));
    return 0;
  }
  out(formatValidationTable(result));
  out(`\nReport: ${files.map(show).join(', ')}`);
  return 0;
}

const defaultWorkers = (): number => Math.max(1, Math.min(availableParallelism(), 8));

/** yargs options of `jaksim calibrate` (registered in main.ts). */
export function withCalibrateOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', default: 'data/trials.json', describe: 'published trial data' })
    .option('out', { type: 'string', default: 'scenarios/catalog.calibrated.yaml', describe: 'calibrated catalog to write' })
    .option('report-dir', { type: 'string', default: 'reports/calibration', describe: 'folder for report.html and the CSV files' })
    .option('patients', { type: 'number', default: CALIBRATE_DEFAULTS.patients, describe: 'simulated patients per trial arm' })
    .option('seed', { type: 'number', default: CALIBRATE_DEFAULTS.seed, describe: 'random seed (common random numbers across evaluations)' })
    .option('starts', { type: 'number', default: CALIBRATE_DEFAULTS.starts, describe: 'optimiser starts' })
    .option('max-evals', { type: 'number', default: CALIBRATE_DEFAULTS.maxEvals, describe: 'evaluations of the final joint Nelder-Mead polish' })
    .option('draws', { type: 'number', default: CALIBRATE_DEFAULTS.draws, describe: 'parameter draws for the simulated intervals' })
    .option('fit-sigma', { type: 'boolean', default: false, describe: 'also fit sigma from the SALT <= 10 / <= 20 pairs (off: see docs/calibration.md)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}

/** yargs options of `jaksim validate` (registered in main.ts). */
export function withValidateOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', default: 'data/trials.json', describe: 'published trial data' })
    .option('catalog', { type: 'string', default: 'scenarios/catalog.calibrated.yaml', describe: 'calibrated catalog to check' })
    .option('report-dir', { type: 'string', default: 'reports/calibration', describe: 'folder for report.html and the CSV files' })
    .option('draws', { type: 'number', default: CALIBRATE_DEFAULTS.draws, describe: 'parameter draws for the simulated intervals' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}
