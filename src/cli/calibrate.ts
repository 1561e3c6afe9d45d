// `jaksim calibrate` and `jaksim validate`: flags, the engine, the validation table and the parameters.
import type { Argv } from 'yargs';
import { CALIBRATE_DEFAULTS, runCalibration, type CalibrateInputs } from '../app/calibrate.js';
import { runValidation, type ValidateInputs } from '../app/validate.js';
import type { CalibrationResult } from '../calibration/assess.js';
import { withEngine } from '../engine/pool.js';
import { fitSummary, misfitReason, pct } from '../io/calibrationReport.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, defaultWorkers } from './flags.js';
import { showPath } from './print.js';
import { oneLine } from './tables.js';

export interface CalibrateArgs extends CalibrateInputs {
  workers: number;
  json: boolean;
}

export interface ValidateArgs extends ValidateInputs {
  workers: number;
  json: boolean;
}

export async function calibrateCommand(a: CalibrateArgs, cli: CliContext): Promise<number> {
  checkInteger('patients', a.patients, 100, 10_000_000);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('starts', a.starts, 1, 100);
  checkInteger('max-evals', a.maxEvals, 0, 1_000_000);
  checkInteger('draws', a.draws, 0, 10_000);
  checkWorkers(a.workers);
  const { io } = cli;
  const ctx = { command: cli.command, log: a.json ? undefined : (m: string) => io.err(`calibrate: ${m}`) };
  const { result, catalog, reportFiles, seconds } = await withEngine(a.workers, (engine) => runCalibration(a, engine, ctx));
  if (a.json) {
    io.out(JSON.stringify({ catalog: a.out, report: reportFiles, ...catalog, points: result.points }));
    return 0;
  }
  io.out(formatValidationTable(result));
  io.out('\nParameters (95% interval):');
  const edge = (v: number | null) => (v === null ? 'open' : v.toFixed(3));
  for (const e of result.estimates) io.out(`  ${e.name.padEnd(30)} ${e.estimate.toFixed(3).padStart(8)}  (${edge(e.lo)} to ${edge(e.hi)})${e.kind === 'tied' ? '  tied' : ''}`);
  const open = result.estimates.filter((e) => e.lo === null || e.hi === null).map((e) => e.name);
  if (open.length) io.out(`  open edge (not bounded by the data): ${open.join(', ')}`);
  io.out(`\nCatalog: ${showPath(a.out)}\nReport: ${reportFiles.map(showPath).join(', ')}\nTime: ${seconds.toFixed(1)} s, ${result.evals} objective evaluations`);
  return 0;
}

/** Re-assess a stored calibration (its vector, covariance, seed) against the data, without refitting. */
export async function validateCommand(a: ValidateArgs, cli: CliContext): Promise<number> {
  checkInteger('draws', a.draws, 0, 10_000);
  checkWorkers(a.workers);
  const { result, reportFiles } = await withEngine(a.workers, (engine) => runValidation(a, engine, { command: cli.command }));
  if (a.json) {
    cli.io.out(JSON.stringify({ report: reportFiles, deviance: result.deviance, df: result.df, pValue: result.pValue, points: result.points }));
    return 0;
  }
  cli.io.out(formatValidationTable(result));
  cli.io.out(`\nReport: ${reportFiles.map(showPath).join(', ')}`);
  return 0;
}

/** Console table: every published point beside its simulated value and interval. */
export function formatValidationTable(r: CalibrationResult): string {
  const lines = ['trial                                    drug                 week band    published (95%)       simulated (95%)       resid  ok'];
  for (const p of r.points) {
    const pub = `${pct(p.salt20)} (${pct(p.pub20Lo)}-${pct(p.pub20Hi)})`;
    const sim = `${pct(p.sim20)} (${pct(p.sim20Lo)}-${pct(p.sim20Hi)})`;
    lines.push(`${p.trial.slice(0, 40).padEnd(41)}${p.drug.padEnd(21)}${String(p.week).padStart(4)} ${p.band.padEnd(7)} ${pub.padEnd(21)} ${sim.padEnd(21)} ${p.residual20.toFixed(2).padStart(6)}  ${p.withinPublished ? 'yes' : 'NO'}`);
    if (p.salt10 !== undefined) {
      lines.push(`${''.padEnd(41)}${'  SALT <= 10'.padEnd(21)}${''.padStart(4)} ${''.padEnd(7)} ${pct(p.salt10).padEnd(21)} ${`${pct(p.sim10)} (${pct(p.sim10Lo)}-${pct(p.sim10Hi)})`.padEnd(21)} ${(p.residual10 ?? NaN).toFixed(2).padStart(6)}`);
    }
  }
  lines.push('', `Fit: ${fitSummary(r)}`);
  for (const p of r.points.filter((q) => !q.withinPublished)) {
    lines.push(`  outside: ${p.trial} ${p.drug} week ${p.week}${p.band === 'all' ? '' : ` band ${p.band}`}: ${misfitReason(p, r.points)}`);
  }
  // Trial and drug names come from the data file: control characters shown escaped, one line a row.
  return lines.map(oneLine).join('\n');
}

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
