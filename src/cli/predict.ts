// `jaksim predict <patient file>`: flags, the engine, a short table per option (or --json), report.html with --out.
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { DEFAULT_PARAMETER_DRAWS, DEFAULT_SD_OBS, runPredict, type PredictInputs, type PredictResult } from '../app/predict.js';
import { withEngine } from '../engine/pool.js';
import { writeFolderAtomic } from '../io/atomic.js';
import { wrapText } from '../io/columns.js';
import { predictReportHtml } from '../app/predictReport.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, defaultWorkers } from './flags.js';

export interface PredictArgs extends PredictInputs {
  workers: number;
  json: boolean;
  out?: string;
}

/** The JSON document of the issue: ess, now, options with responseBy and expectedMonthsToResponse (and the rest). */
export function predictJson(r: PredictResult): string {
  return JSON.stringify(r);
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`.padStart(4);

export async function predictCommand(a: PredictArgs, cli: CliContext): Promise<number> {
  checkInteger('draws', a.draws, 1000, 100_000_000);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkWorkers(a.workers);
  checkInteger('parameter-draws', a.parameterDraws, 0, 10_000);
  const r = await cli.withProgress(!a.json, `predict ${a.patient}`, (ctx) => withEngine(a.workers, (engine) => runPredict(a, engine, ctx)));
  if (a.out !== undefined) {
    const report = await predictReportHtml(r, a.patient, cli.command);
    writeFolderAtomic(a.out, { 'report.html': report, 'prediction.json': `${predictJson(r)}\n` });
  }
  const out = cli.io.out;
  if (a.json) { out(predictJson(r)); return 0; }
  const over = r.parameterDraws > 0 ? ` for each of ${r.parameterDraws} posterior draws of the calibration` : '';
  out(wrapText(`${a.patient}: now = month ${r.now}; ${r.draws.toLocaleString('en-US')} draws${over}, effective sample size ${r.ess}; sdObs ${r.sdObs}; response = SALT <= ${r.threshold} at a monthly visit`));
  const marks = [3, 6, 9, 12, 24].filter((m) => m <= r.months);
  out(`${'option'.padEnd(28)} ${marks.map((m) => `${m}mo (95%)`.padEnd(14)).join(' ')} months to response`);
  const cell = (p: { rate: number; lo: number; hi: number }) => `${pct(p.rate)} (${pct(p.lo).trim()}-${pct(p.hi).trim()})`.padEnd(14);
  for (const o of r.options) {
    out(`${o.option.padEnd(28)} ${marks.map((m) => cell(o.responseBy[m - 1])).join(' ')} ${o.expectedMonthsToResponse.toFixed(1)}`);
    if (o.responseByIfNotYet) out(`${'  if no response yet'.padEnd(28)} ${marks.map((m) => cell(o.responseByIfNotYet![m - 1])).join(' ')}`);
  }
  out(wrapText(`Ranked by response within ${r.ranking[0].month} months: ${r.ranking.map((x) => `${x.option} ${pct(x.rate).trim()}`).join(' > ')}`));
  out(r.parameterDraws > 0
    ? wrapText(`Intervals: Monte Carlo (Wilson at the effective sample size) and parameter uncertainty (the spread over ${r.parameterDraws} posterior draws of the calibration), added in quadrature; --json gives the Monte Carlo part alone (responseByMonteCarlo).`)
    : 'Intervals are Monte Carlo intervals of the importance sample (Wilson at the effective sample size).');
  if (a.out !== undefined) out(`Wrote ${join(a.out, 'report.html')} and prediction.json`);
  return 0;
}

/** yargs options of `jaksim predict` (registered in main.ts). */
export function withPredictOptions<T>(y: Argv<T>) {
  return y
    .positional('patient', { type: 'string', demandOption: true, describe: 'patient file (YAML or JSON): salt0, durYears, minoxidil, history' })
    .option('scenario', { type: 'string', describe: 'scenario whose population and catalog the draws come from (default: the calibrated approved drugs)' })
    .option('draws', { type: 'number', default: 200_000, describe: 'population draws of the importance sample' })
    .option('parameter-draws', { type: 'number', describe: `posterior draws of the calibration the intervals run over (0: point estimates, Monte Carlo intervals only; default ${DEFAULT_PARAMETER_DRAWS} when the catalog has draws, else 0)` })
    .option('sd-obs', { type: 'number', default: DEFAULT_SD_OBS, describe: 'measurement error of a recorded SALT score, SALT points' })
    .option('seed', { type: 'number', default: 20251008, describe: 'random seed' })
    .option('out', { type: 'string', describe: 'write DIR/report.html (curves per option) and DIR/prediction.json (a new folder)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}
