// The CLI: a function from arguments to an exit code. yargs wiring only; each command's module parses its
// flags, calls its use case (app/) on an engine, and prints. Start-up is serial work in every command, so only
// what a command line needs is loaded: `--version` loads no yargs, and a command's module (with its use case,
// the engine and the file readers) is imported when its handler runs, not for `--help` or a rejected line.
import type { MiddlewareFunction } from 'yargs';
import { UserError } from '../io/errors.js';
import { cliContext, type CliContext } from './context.js';
import { checkRawFlags, checkSharedFlags, type FlagTypes } from './flags.js';
import {
  withBenchOptions, withCalibrateOptions, withClinicOptions, withMergeOptions, withPowerOptions, withPredictOptions, withPsaOptions,
  withRunOptions, withSweepOptions, withTrialOptions, withValidateOptions,
} from './options.js';
import type { Io } from './print.js';
import { explainFailure, versionText } from './usage.js';

export type { Io };

/** Exit codes: 0 success, 1 internal error (a bug), 2 user error (bad input). */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

const defaultIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  write: (t) => process.stdout.write(t),
};

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  if (argv.includes('--version') || (argv.length === 1 && argv[0] === '-V')) {
    io.out(versionText());
    return EXIT.ok;
  }
  const { default: yargs } = await import('yargs');
  const cli = cliContext(argv, io);
  let code: number = EXIT.ok;
  /** The handler of a command whose function `load` imports: run under the guard that turns errors into exit codes. */
  const lazily = <A>(load: () => Promise<(args: A, cli: CliContext) => Promise<number>>) => async (args: unknown) => {
    try {
      code = await (await load())(args as A, cli);
    } catch (err) {
      code = reportError(err, io);
    }
  };
  const parser = yargs(argv)
    .scriptName('jaksim')
    .usage('$0 <command> [options]\n\nMonte Carlo simulation of JAK inhibitor switching policies in severe alopecia areata.')
    .command('run <scenario>', 'simulate a scenario and write results/<scenario>/<run-id>/',
      (y) => withRunOptions(y), lazily(async () => (await import('./run.js')).runCommand))
    .command('sweep <scenario>', 'run a scenario over a grid of parameter values (--set or its sweep: section)',
      (y) => withSweepOptions(y), lazily(async () => (await import('./sweep.js')).sweepCommand))
    .command('merge <partials..>', 'merge the partial results of `run --shard i/n` into one run\'s results',
      (y) => withMergeOptions(y), lazily(async () => (await import('./merge.js')).mergeCommand))
    .command('bench', 'measure patients per second and parallel efficiency (for CI tracking)',
      (y) => withBenchOptions(y), lazily(async () => (await import('./bench.js')).benchCommand))
    .command('trial <drug>', 'simulate a single-arm trial of one drug in a published trial population',
      (y) => withTrialOptions(y), lazily(async () => (await import('./trial.js')).trialCommand))
    .command('predict [patient]', 'one patient\'s chances under each next option, conditioned on the history so far (--batch: a CSV of patients)',
      (y) => withPredictOptions(y), lazily(async () => (await import('./predict.js')).predictCommand))
    .command('clinic [scenarios..]', 'write an offline web page where a clinician enters one patient and sees predict\'s answers and curves',
      (y) => withClinicOptions(y), lazily(async () => (await import('./clinic.js')).clinicCommand))
    .command('power <scenario>', 'power and sample size by simulated trials comparing policies (parallel groups or SMART)',
      (y) => withPowerOptions(y), lazily(async () => (await import('./power.js')).powerCommand))
    .command('psa <scenario>', 'probabilistic sensitivity analysis: every policy over draws of the uncertain parameters; value of information',
      (y) => withPsaOptions(y), lazily(async () => (await import('./psa.js')).psaCommand))
    .command('calibrate', 'fit drug parameters to data/trials.json; write the calibrated catalog and the validation report',
      (y) => withCalibrateOptions(y), lazily(async () => (await import('./calibrate.js')).calibrateCommand))
    .command('validate', 'compare a calibrated catalog with the published points (report.html, CSV) without refitting',
      (y) => withValidateOptions(y), lazily(async () => (await import('./calibrate.js')).validateCommand))
    // Before any handler: flags without a value, empty arguments, flags given twice, the shared limits.
    // (yargs passes its instance as a second argument, which its types leave out.)
    .middleware(((args: Record<string, unknown>, y: { getOptions(): FlagTypes }) => {
      checkRawFlags(argv, y.getOptions());
      checkSharedFlags(args);
    }) as unknown as MiddlewareFunction, true)
    .demandCommand(1, 'Name a command: run, sweep, merge, bench, trial, predict, clinic, power, psa, calibrate, validate')
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
  // yargs lays out the whole help text before each command's handler, to print it should the command fail; this
  // CLI's .fail prints one line instead, so that text is never shown: skip laying it out (50-100 ms of string
  // widths in every command). An internal of yargs 18 (pinned); where it is missing, nothing changes.
  const usage = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
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
