// The CLI: a function from arguments to an exit code. yargs wiring only; the work is in engine/ and io/.
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { simulateScenario } from '../engine/simulate.js';
import { UserError } from '../io/errors.js';
import { writeRunResults } from '../io/results.js';
import { LIMITS, loadScenario } from '../io/scenario.js';
import { runReportHtml } from '../io/report.js';
import { formatRunTable } from '../io/table.js';
import { benchCommand, type BenchArgs } from './bench.js';
import { checkInteger, parseMonths } from './flags.js';
import { calibrateCommand, validateCommand, withCalibrateOptions, withValidateOptions, type CalibrateArgs, type ValidateArgs } from './calibrate.js';
import { trialCommand, withTrialOptions, type TrialArgs } from './trial.js';
import { powerCommand, withPowerOptions, type PowerArgs } from './power.js';
import { progressBar } from './progress.js';
import { sweepCommand, withSweepOptions, type SweepArgs } from './sweep.js';
import { mergeCommand, withMergeOptions, type MergeArgs } from './merge.js';
import { runShard, runWithCheckpoint } from './shard.js';
import { explainFailure, versionText } from './usage.js';
import { calibrationWarning, uncalibratedDrugs } from '../io/calibrated.js';
import { TABLE_WIDTH, wrapText } from '../io/columns.js';

/** Exit codes: 0 success, 1 internal error (a bug), 2 user error (bad input). */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export const defaultWorkers = (): number => Math.max(1, Math.min(availableParallelism(), 8));

interface RunArgs {
  scenario: string;
  patients?: number;
  seed?: number;
  workers: number;
  out: string;
  json: boolean;
  shard?: string;
  checkpoint: boolean;
  allowLarge: boolean;
  months?: string;
}

async function runCommand(args: RunArgs, io: Io): Promise<number> {
  checkInteger('patients', args.patients, 1, args.allowLarge ? Number.MAX_SAFE_INTEGER : LIMITS.patients);
  checkInteger('seed', args.seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('workers', args.workers, 1, 64);
  if (args.shard !== undefined && args.checkpoint) throw new UserError('--shard and --checkpoint: give one (a shard is short; rerun a lost shard instead)');
  const scenario = loadScenario(args.scenario, { allowLarge: args.allowLarge });
  if (args.patients !== undefined) scenario.patients = args.patients;
  if (args.seed !== undefined) scenario.seed = args.seed;
  const months = parseMonths(args.months, scenario);
  const warning = calibrationWarning(uncalibratedDrugs(scenario));
  if (warning) io.err(wrapText(warning, TABLE_WIDTH, '  '));
  const progress = progressBar(!args.json, scenario.name);
  let result;
  let finish = () => {};
  try {
    if (args.shard !== undefined) {
      const shard = await runShard(scenario, String(args.shard), args.workers, args.out, progress.onProgress);
      progress.stop();
      io.out(`Shard ${args.shard}: ${shard.blocks} of ${shard.blockCount} blocks -> ${relative(process.cwd(), shard.file) || shard.file}`);
      return EXIT.ok;
    }
    if (args.checkpoint) {
      const outcome = await runWithCheckpoint(scenario, args.workers, args.out, progress.onProgress, io.err);
      if (outcome.kind === 'stopped') {
        progress.stop();
        io.err(`jaksim: ${outcome.message}`);
        return outcome.exitCode;
      }
      result = outcome.result;
      finish = outcome.finish;
    } else {
      result = await simulateScenario(scenario, { workers: args.workers, onProgress: progress.onProgress });
    }
  } finally {
    progress.stop();
  }
  const command = ['jaksim', ...process.argv.slice(2)].join(' ');
  const report = await runReportHtml(result, scenario, command);
  const folder = writeRunResults(args.out, scenario, result, command, undefined, { 'report.html': report });
  finish();
  if (args.json) {
    io.out(JSON.stringify(result));
  } else {
    io.out(formatRunTable(result, months));
    io.out(`\nResults: ${relative(process.cwd(), folder) || folder}`);
    io.out(`Report: ${relative(process.cwd(), join(folder, 'report.html'))}`);
  }
  return EXIT.ok;
}

function withRunOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
    .option('patients', { type: 'number', describe: 'patients to simulate (overrides the scenario)' })
    .option('seed', { type: 'number', describe: 'random seed (overrides the scenario)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document on stdout' })
    .option('shard', { type: 'string', describe: 'i/n: simulate only shard i of n (blocks b with b mod n = i - 1) and write a partial result for `jaksim merge`' })
    .option('checkpoint', { type: 'boolean', default: false, describe: 'save completed blocks as the run goes; the same command resumes a killed run' })
    .option('allow-large', { type: 'boolean', default: false, describe: 'lift the limits that protect the machine (file size, nesting, patients, drugs, policies, visits); see README' })
    .option('months', { type: 'string', describe: 'months of the console tables, e.g. 6,9,12,24 (default: 6, 9, 12, 24 and the horizon)' });
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  if (argv.includes('--version') || (argv.length === 1 && argv[0] === '-V')) {
    io.out(versionText());
    return EXIT.ok;
  }
  let code: number = EXIT.ok;
  const guard = (work: () => Promise<number>) => async () => {
    try {
      code = await work();
    } catch (err) {
      code = reportError(err, io);
    }
  };
  const parser = yargs(argv)
    .scriptName('jaksim')
    .usage('$0 <command> [options]\n\nMonte Carlo simulation of JAK inhibitor switching policies in severe alopecia areata.')
    .command('run <scenario>', 'simulate a scenario and write results/<scenario>/<run-id>/',
      (y) => withRunOptions(y),
      (a) => guard(() => runCommand(a as unknown as RunArgs, io))())
    .command('sweep <scenario>', 'run a scenario over a grid of parameter values (--set or its sweep: section)',
      (y) => withSweepOptions(y),
      (a) => guard(() => sweepCommand(a as unknown as SweepArgs, io.out, io.err))())
    .command('merge <partials..>', 'merge the partial results of `run --shard i/n` into one run\'s results',
      (y) => withMergeOptions(y), (a) => guard(() => mergeCommand(a as unknown as MergeArgs, io.out))())
    .command('bench', 'measure patients per second and parallel efficiency (for CI tracking)',
      (y) => y
        .option('scenario', { type: 'string', default: 'scenarios/canonical-bench.yaml', describe: 'scenario to time' })
        .option('patients', { type: 'number', describe: 'patients per run (overrides the scenario)' })
        .option('workers', { type: 'string', default: '1,2', describe: 'comma-separated worker counts' })
        .option('repeat', { type: 'number', default: 5, describe: 'timed runs per worker count, after one warm-up' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
        .option('baseline', { type: 'string', describe: 'earlier --json document to compare with' })
        .option('max-regression', { type: 'number', default: 10, describe: 'exit 3 when median patients/s fell by more than this percentage' })
        .option('child', { type: 'number', hidden: true }),
      (a) => guard(() => {
        checkInteger('patients', a.patients, 1, LIMITS.patients);
        return benchCommand(a as unknown as BenchArgs, io.out, io.err);
      })())
    .command('trial <drug>', 'simulate a single-arm trial of one drug in a published trial population',
      (y) => withTrialOptions(y), (a) => guard(() => trialCommand(a as unknown as TrialArgs, io.out, io.err))())
    .command('power <scenario>', 'power and sample size by simulated trials comparing policies (parallel groups or SMART)',
      (y) => withPowerOptions(y), (a) => guard(() => powerCommand(a as unknown as PowerArgs, io.out, io.err))())
    .command('calibrate', 'fit drug parameters to data/trials.json; write the calibrated catalog and the validation report',
      (y) => withCalibrateOptions(y), (a) => guard(() => calibrateCommand(a as unknown as CalibrateArgs, io.out, io.err))())
    .command('validate', 'compare a calibrated catalog with the published points (report.html, CSV) without refitting',
      (y) => withValidateOptions(y), (a) => guard(() => validateCommand(a as unknown as ValidateArgs, io.out))())
    .demandCommand(1, 'Name a command: run, sweep, merge, bench, trial, power, calibrate, validate')
    .strict()
    .exitProcess(false)
    .help()
    .version(false)
    .option('version', { type: 'boolean', describe: 'Show the version' })
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Stops yargs before any handler runs; reported once below.
      // yargs' getOptions (untyped): every flag of the command being parsed, for "did you mean".
      const known = Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      throw err ?? new UserError(`${explainFailure(msg, argv, known)}\nRun 'jaksim --help' for usage.`);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    return reportError(err, io);
  }
  return code;
}

/** One line for a user error (exit 2); one line for anything else (exit 1), the stack only with JAKSIM_DEBUG. */
export function reportError(err: unknown, io: Io): number {
  if (err instanceof UserError) {
    io.err(`jaksim: ${err.message}`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`jaksim: internal error: ${message}`);
  if (process.env.JAKSIM_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
  return EXIT.internal;
}
