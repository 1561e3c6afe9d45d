// `jaksim predict <patient file>`: flags, the engine, a short table per option (or --json), report.html with --out.
import { dirname, join } from 'node:path';
import { runPredict, type PredictInputs, type PredictResult } from '../app/predict.js';
import { runPredictBatch } from '../app/predictBatch.js';
import { withEngine } from '../engine/pool.js';
import { UserError } from '../io/errors.js';
import { writeFolderAtomic } from '../io/atomic.js';
import { wrapText } from '../io/columns.js';
import { checkNewOutputFolder } from '../io/outputCheck.js';
import { predictReportHtml } from '../app/predictReport.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, parseShard } from './flags.js';
import { mergeCommandFor, showPath } from './print.js';

export interface PredictArgs extends Omit<PredictInputs, 'patient'> {
  patient?: string;
  batch?: string;
  shard?: string;
  workers: number;
  json: boolean;
  out?: string;
}

/** The JSON document of the issue: ess, now, options with responseBy and expectedMonthsToResponse (and the rest). */
export function predictJson(r: PredictResult): string {
  return JSON.stringify(r);
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`.padStart(4);

/** `predict --batch`: predictions.csv, or a shard's partial result and the command that merges the shards. */
async function batchCommand(a: PredictArgs & { batch: string }, cli: CliContext): Promise<number> {
  const shard = a.shard === undefined ? undefined : parseShard(String(a.shard));
  const out = a.out ?? 'results';
  const r = await cli.withProgress(!a.json, `predict --batch ${a.batch}`, (ctx) => withEngine(a.workers, (engine) => runPredictBatch({ ...a, out, shard }, engine, ctx)));
  const { io } = cli;
  if (r.kind === 'shard') {
    const merge = mergeCommandFor(dirname(r.file), out, false);
    if (a.json) io.out(JSON.stringify({ shard: `${shard!.index}/${shard!.count}`, patients: r.patients, totalPatients: r.totalPatients, partial: r.file, mergeCommand: merge }));
    else {
      io.out(`Shard ${shard!.index}/${shard!.count}: ${r.patients} of ${r.totalPatients} patients -> ${showPath(r.file)}`);
      io.out(`Merge once every shard is done: ${merge}`);
    }
    return 0;
  }
  if (a.json) io.out(JSON.stringify({ predictions: r.file, patients: r.patients, refused: r.refused, parameterDraws: r.parameterDraws }));
  else io.out(`${r.patients} patients (${r.refused} refused: see the refusal column) -> ${showPath(r.file)}`);
  return 0;
}

export async function predictCommand(a: PredictArgs, cli: CliContext): Promise<number> {
  checkInteger('draws', a.draws, 1000, 100_000_000);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkWorkers(a.workers);
  checkInteger('parameter-draws', a.parameterDraws, 0, 10_000);
  if ((a.patient === undefined) === (a.batch === undefined)) throw new UserError('predict: give a patient file or --batch patients.csv (one of them)');
  if (a.batch !== undefined) return batchCommand({ ...a, batch: a.batch }, cli);
  if (a.shard !== undefined) throw new UserError('--shard: only with --batch (a single patient is not sharded)');
  const inputs = { ...a, patient: a.patient! };
  if (a.out !== undefined) checkNewOutputFolder(a.out, '--out');
  const r = await cli.withProgress(!a.json, `predict ${inputs.patient}`, (ctx) => withEngine(a.workers, (engine) => runPredict(inputs, engine, ctx)));
  if (a.out !== undefined) {
    const report = await predictReportHtml(r, inputs.patient, cli.command);
    writeFolderAtomic(a.out, { 'report.html': report, 'prediction.json': `${predictJson(r)}\n` });
  }
  const out = cli.io.out;
  if (a.json) { out(predictJson(r)); return 0; }
  const over = r.parameterDraws > 0 ? ` for each of ${r.parameterDraws} posterior draws of the calibration` : '';
  out(wrapText(`${inputs.patient}: now = month ${r.now}; ${r.draws.toLocaleString('en-US')} draws${over}, effective sample size ${r.ess}; sdObs ${r.sdObs}; response = SALT <= ${r.threshold} at a monthly visit`));
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
